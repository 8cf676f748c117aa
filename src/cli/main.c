/*
 * main.c - entry point of `tianyan`: dispatches to commands from one table and
 * derives option parsing and help from each command's option table.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tianyan/process.h"

static const cli_cmd commands[] = {
    {"audit", "verify the hash-chained audit trail, or list it",
     "--db PATH verify | --db PATH list [--after SEQ] [--limit N] [--json]",
     "Every state change (platforms added, ingest batches with their counts, reference imports, "
     "warnings acknowledged or silenced, keys issued or revoked) is appended to an audit trail "
     "whose entries are chained by MACs keyed from the store's key file. `verify` walks the chain "
     "and the head file and names the first entry that was edited, deleted, reordered or cut "
     "off. Exit status: 0 intact, 4 broken, 1 failure, 2 usage error.",
     audit_opts, cmd_audit},
    {"demo", "generate demo feeds, ingest them into a store and print a live summary",
     "[--db PATH] [--out DIR] [--seed N] [--days D] [--platforms K] [--start DATE] [--scale X]",
     "Runs the main job end to end on the embedded store: the simulator writes feeds for K "
     "platforms, each is ingested exactly once, and a summary is printed as batches commit.",
     demo_opts, cmd_demo},
    {"detect", "run the risk engine over the stored events", "--db PATH [--rules FILE]",
     "Reads the stored events in arrival order, counts them per product, batch, merchant, brand, "
     "category, origin, platform and route in event-time windows, and classifies their texts.",
     detect_opts, cmd_detect},
    {"eval", "score the engine against the simulator's ground truth",
     "--db PATH --truth FILE [--json]",
     "Runs the engine over a store of simulated feeds and reports, per injected incident, whether "
     "it was found and after how long (event time), the recall, the false warnings per 10,000 "
     "entity-days and the median and 90th-percentile detection delay.",
     eval_opts, cmd_eval},
    {"explain", "one warning: its risk, explanation and history",
     "--db PATH [--json] [--utc-offset +08:00] WARNING_ID",
     "Prints what the warning is about, its level and risk (severity x probability through the "
     "2019/417 matrix), the explanation the engine stored (window, statistics and thresholds, "
     "inputs, rule version, the seqs of the events behind it) and its whole history: every "
     "change with its time, actor and reason. Event times and wall-clock times are labelled. "
     "Exit status: 0 done, 1 no such warning or failure, 2 usage error.",
     explain_opts, cmd_explain},
    {"ingest", "store platform feeds or public data files exactly once",
     "--db PATH --platform ID [--format FMT] FILE...",
     "Each FILE ('-' for standard input) is one ingest batch. Valid records are stored exactly "
     "once per (platform, record type, id); re-sent ones are counted as duplicates (and reported "
     "when their content differs from what was stored); every rejected line is reported with its "
     "line number, field and reason. Counts are printed only for committed (durable) work. Exit "
     "status: 0 all accepted or duplicate, 3 some lines rejected or re-sent with different "
     "content, 1 failure, 2 usage error.",
     ingest_opts, cmd_ingest},
    {"key", "issue, revoke and list platform API keys",
     "--db PATH issue --platform CODE [--label TEXT] | --db PATH revoke ID|PREFIX | --db PATH "
     "list",
     "A key lets a platform's feed push events and read what concerns that platform only. It is "
     "printed once, on standard output, when issued; the store keeps only its keyed hash. "
     "Issuing and revoking are audited.",
     key_opts, cmd_key},
    {"platform", "register and list the platforms that send feeds",
     "--db PATH add CODE [--name TEXT] | --db PATH list",
     "A platform must be registered before its feeds are ingested, so that a misspelt "
     "--platform cannot file events again under a new name. Codes are 1-32 characters of a-z, "
     "0-9 and -.",
     platform_opts, cmd_platform},
    {"replay", "recompute the warnings under a rules file and show what it would change",
     "--db PATH [--rules FILE] [--json] [--limit N]",
     "Runs the engine over every stored event in memory under the rules FILE (the store is not "
     "changed) and compares the result with the warnings the store holds: per detector, the "
     "warnings ever raised and those standing now; then each warning that would open, that "
     "would no longer stand, and that would change level. Use it before putting new rules in "
     "service.",
     replay_opts, cmd_replay},
    {"serve", "run the HTTP API: platforms' feeds in, warnings out",
     "[--config FILE] [--db PATH] [--KEY VALUE]... | --openapi | --api-md | --config-md",
     "Serves the API of docs/api.md on libmicrohttpd until SIGINT or SIGTERM, then lets requests "
     "in progress finish and commits what was ingested. Binds 127.0.0.1:8080 by default. "
     "Settings come from the table below: the --config INI file, then TIANYAN_<KEY> environment "
     "variables, then flags, each overriding the one before; a bad value is refused naming the "
     "key and where it came from. SIGHUP reads them again (the reloadable keys take effect). Logs "
     "are JSON lines on standard error. Exit status: 0 after a "
     "clean stop, 1 failure (port in use, store unreadable), 2 usage or configuration error.",
     serve_opts, cmd_serve},
    {"simulate", "write realistic multi-platform demo feeds with injected incidents",
     "--out DIR [--seed N] [--days D] [--platforms K] [--start DATE] [--scale X]",
     "Deterministic: the same options always give the same files. Writes one JSON Lines feed per "
     "platform and ground-truth.jsonl listing the injected incidents (entity, kind, onset).",
     simulate_opts, cmd_simulate},
    {"spec", "print the exchange-spec field tables (Markdown)", "[--enums]",
     "Prints the record types, fields and enumerations exactly as this build validates them.",
     spec_opts, cmd_spec},
    {"stats", "counts per record type, platform and day; `stats dispro`: PRR, IC, EBGM",
     "--db PATH [--utc-offset +08:00] | dispro --a N --b N --c N --d N [--mgps PRIOR] [--json]",
     "Days are counted in the given UTC offset (default +08:00, China Standard Time). `tianyan "
     "stats dispro --help` describes the disproportionality calculator (PRR, ROR, chi-squared, "
     "IC, BCPNN, EBGM).",
     stats_opts, cmd_stats},
    {"text", "classify buyer texts into risk classes, with evidence and a sentiment verdict",
     "[--json] [--data-dir DIR] [--max-line N] < TEXTS",
     "Reads one text per line (UTF-8: simplified or traditional Chinese, or English) and prints "
     "one line per text: the risk classes found (allergy, counterfeit, expired, damaged, label, "
     "harmful, and negative for negative-sentiment words), each lexicon term with its byte "
     "offset, negated terms marked with their cue, and the model's verdict, negative or "
     "positive, with the probability that the text is negative. Exit status: 0 every line "
     "classified, 3 some lines rejected (too long or not UTF-8), 1 failure, 2 usage error.",
     text_opts, cmd_text},
    {"user", "add or disable the accounts of people who use the server",
     "--db PATH add NAME --role ROLE [--platform CODE] < password | --db PATH disable NAME",
     "Roles: admin, analyst, expert, inspector, platform (a platform's engineers, who see only "
     "their platform's data). The password is read from standard input, one line of 12 to 1024 "
     "bytes, and stored as an argon2id hash. The first admin is made this way. Every change is "
     "audited.",
     user_opts, cmd_user},
    {"warnings", "list early warnings (I red ... IV blue); `warnings ack|silence|unsilence`",
     "--db PATH [--json] [--min-level I|II|III|IV] [--entity KIND:ID] [--state STATE] [--limit "
     "N] | ack|silence|unsilence ...",
     "Lists warnings, most severe first and then most recently updated, with their level, state "
     "(open, acknowledged, resolved; +silenced), entity and detector. Times of warnings are event "
     "times. By default only active (open and acknowledged) warnings are listed. Level colours "
     "are used only on a terminal (and never with NO_COLOR set). `tianyan warnings ack --help`, "
     "`silence --help` and `unsilence --help` describe the subcommands; every change is recorded "
     "in the warning's history (`tianyan explain`). Exit status: 0 done, 1 failure, 2 usage "
     "error.",
     warnings_opts, cmd_warnings},
};

#define NCMD (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "tianyan %s - cross-border e-commerce quality-safety risk monitoring\n\n",
            TY_VERSION);
    fprintf(f, "usage: tianyan COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < NCMD; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`tianyan COMMAND --help` describes a command.\n");
}

/* Prints text wrapped at 78 columns (words are never split). */
static void wrap(FILE *f, const char *text)
{
    size_t col = 0;
    const char *p = text;
    while (*p) {
        size_t w = strcspn(p, " ");
        if (col && col + 1 + w > 78) {
            fputc('\n', f);
            col = 0;
        } else if (col) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += w;
        p += w;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

void cli_help(const cli_cmd *c, FILE *f)
{
    fprintf(f, "usage: tianyan %s %s\n\n%s.\n", c->name, c->usage, c->summary);
    if (c->detail) {
        fputc('\n', f);
        wrap(f, c->detail);
    }
    fprintf(f, "\noptions:\n");
    for (const cli_opt *o = c->opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(f, "  %-24s %s\n", left, o->help);
    }
    fprintf(f, "  %-24s %s\n", "--help", "show this help");
}

int cli_parse(const cli_cmd *c, int argc, char **argv, cli_args *a, int *done)
{
    struct option lo[40];
    size_t n = 0;
    memset(a, 0, sizeof *a);
    *done = 0;
    for (const cli_opt *o = c->opts; o->name && n < 32; o++, n++)
        lo[n] = (struct option){o->name, o->arg ? required_argument : no_argument, NULL, (int)n};
    lo[n] = (struct option){"help", no_argument, NULL, 'h' + 1000};
    lo[n + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (ch == 'h' + 1000) {
            cli_help(c, stdout);
            *done = 1;
            return CLI_OK;
        }
        if (ch == '?' || ch == ':') {
            if (optopt)
                fprintf(stderr, "tianyan %s: option requires an argument or is unknown\n", c->name);
            else
                fprintf(stderr, "tianyan %s: unknown option %s\n", c->name, argv[optind - 1]);
            fprintf(stderr, "try: tianyan %s --help\n", c->name);
            return CLI_USAGE;
        }
        a->val[ch] = optarg ? optarg : "1";
    }
    a->npos = argc - optind;
    a->pos = argv + optind;
    return CLI_OK;
}

const char *cli_get(const cli_cmd *c, const cli_args *a, const char *name)
{
    int i = 0;
    for (const cli_opt *o = c->opts; o->name; o++, i++)
        if (strcmp(o->name, name) == 0)
            return a->val[i];
    return NULL;
}

int cli_int(const char *opt, const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        fprintf(stderr, "tianyan: --%s must be an integer from %lld to %lld, got \"%s\"\n", opt, lo,
                hi, s);
        return 0;
    }
    *out = v;
    return 1;
}

int main(int argc, char **argv)
{
    ty_process_init();
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("tianyan %s\n", TY_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < NCMD; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(&commands[i], argc - 1, argv + 1);
    fprintf(stderr, "tianyan: unknown command \"%s\"\n\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
