/*
 * cmd_detect.c - `tianyan detect`: runs the risk engine over the events stored
 * since it last ran (today: all of them, rebuilding its windows), and reports
 * what it read.
 */
#include <stdio.h>

#include "cli.h"
#include "tianyan/engine.h"
#include "tianyan/rules.h"
#include "tianyan/timeutil.h"

const cli_opt detect_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "pseudonym key file (default: PATH.key)"},
    {"data-dir", "DIR", "lexicons and model (default: the installed data folder)"},
    {"rules", "FILE", "rules file (default: the built-in rules, data/rules/default.json)"},
    {NULL, NULL, NULL},
};

static ty_err print_signal(void *ctx, const ty_engine_signal *s)
{
    (void)ctx;
    char first[TY_TIME_TEXT_MAX], opened[TY_TIME_TEXT_MAX];
    ty_time_format(s->first_ms, 480, 1, first);
    ty_time_format(s->opened_ms, 480, 1, opened);
    char name[40];
    cli_clip(s->display ? s->display : s->entity_key, name, sizeof name);
    printf("%-7s %-12s %-8s %-9s %-28s sev %d p %.4f from %s raised %s\n",
           s->active ? "ACTIVE"
           : s->open ? "clear"
                     : "resolved",
           s->cls, s->detector, ty_entity_kind_name(s->entity_kind), name, s->severity,
           s->probability, first, opened);
    return TY_OK;
}

int cmd_detect(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db");
    if (!db || a.npos) {
        cli_help(c, stderr);
        return CLI_USAGE;
    }
    ty_rules rules;
    if (cli_load_rules("detect", cli_get(c, &a, "rules"), &rules) != CLI_OK)
        return CLI_FAIL;
    ty_engine_opts o = {0};
    o.db_path = db;
    o.rules = &rules;
    o.key_path = cli_get(c, &a, "key-file");
    o.data_dir = cli_get(c, &a, "data-dir");
    char err[512];
    ty_engine *e;
    ty_err r = ty_engine_open(&e, &o, err, sizeof err);
    if (r != TY_OK) {
        fprintf(stderr, "tianyan detect: %s\n", err[0] ? err : ty_err_message(r));
        return CLI_FAIL;
    }
    ty_engine_stats st = {0};
    int64_t t0 = ty_now_ms();
    r = ty_engine_run(e, 0, &st);
    double secs = (double)(ty_now_ms() - t0) / 1000.0;
    if (r == TY_OK)
        r = ty_engine_signals(e, print_signal, NULL);
    ty_engine_close(&e);
    if (r != TY_OK) {
        fprintf(stderr, "tianyan detect: %s\n", ty_err_message(r));
        return CLI_FAIL;
    }
    char clock[TY_TIME_TEXT_MAX] = "-";
    if (st.events)
        ty_time_format(st.clock_ms, 480, 1, clock);
    printf("read %llu events up to seq %lld in %.2f s (%.0f events/s): %llu entities, %llu texts "
           "classified, %llu too late for their window, %llu unreadable; clock %s\n",
           (unsigned long long)st.events, (long long)st.last_seq, secs,
           secs > 0 ? (double)st.events / secs : 0.0, (unsigned long long)st.entities,
           (unsigned long long)st.texts, (unsigned long long)st.too_late,
           (unsigned long long)st.unreadable, clock);
    return CLI_OK;
}
