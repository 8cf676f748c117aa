/*
 * cli.h - the `tianyan` command line: one table of commands, each with its
 * options described once (name, argument, help), from which option parsing and
 * `--help` are both derived.
 */
#ifndef TIANYAN_CLI_H
#define TIANYAN_CLI_H

#include <stdio.h>

/* Exit codes shared by every command. */
enum {
    CLI_OK = 0,
    CLI_FAIL = 1,    /* the command could not do its job */
    CLI_USAGE = 2,   /* wrong command line */
    CLI_REJECTS = 3, /* done, but some input was rejected (ingest) */
    CLI_BROKEN = 4,  /* a check found the data tampered with (audit verify) */
};

typedef struct cli_opt {
    const char *name; /* long option name, without "--" */
    const char *arg;  /* argument placeholder ("PATH"), or NULL for a flag */
    const char *help;
} cli_opt;

typedef struct cli_cmd cli_cmd;
struct cli_cmd {
    const char *name;
    const char *summary; /* one line for `tianyan --help` */
    const char *usage;   /* arguments after the command name */
    const char *detail;  /* paragraph shown by `tianyan CMD --help`, may be NULL */
    const cli_opt *opts; /* terminated by {NULL} */
    int (*run)(const cli_cmd *cmd, int argc, char **argv);
};

/* Parsed options: value of each option in the command's table order (NULL when absent;
 * flags get "1"), and the remaining positional arguments. */
typedef struct cli_args {
    const char *val[32];
    int npos;
    char **pos;
} cli_args;

/* Parses argv (argv[0] is the command name). Prints help and returns CLI_OK with
 * *done = 1 for --help; prints an error and returns CLI_USAGE on a bad option. */
int cli_parse(const cli_cmd *c, int argc, char **argv, cli_args *a, int *done);

/* Value of option name, or NULL. */
const char *cli_get(const cli_cmd *c, const cli_args *a, const char *name);

/* Parses an integer option within [lo, hi]; prints an error and returns 0 on failure. */
int cli_int(const char *opt, const char *s, long long lo, long long hi, long long *out);

void cli_help(const cli_cmd *c, FILE *f);

#include <stddef.h>

/* s cut to fit out (n bytes with its NUL) between UTF-8 characters; returns out. */
const char *cli_clip(const char *s, char *out, size_t n);

struct ty_store;
struct ty_audit_field;
/* Appends an audit entry for a change the command made, by "cli:<local user>".
 * Prints why and returns CLI_FAIL when it cannot. */
int cli_audit(struct ty_store *st, const char *cmd, const char *action, const char *object,
              const struct ty_audit_field *f, size_t nf);

struct ty_rules;
/* Fills *r with the defaults, then, when path is not NULL, the rules file over
 * them. Prints "tianyan CMD: PATH: what is wrong" and returns CLI_FAIL on
 * error, CLI_OK otherwise. */
int cli_load_rules(const char *cmd, const char *path, struct ty_rules *r);

/* Commands (one file each). */
int cmd_ingest(const cli_cmd *c, int argc, char **argv);
int cmd_stats(const cli_cmd *c, int argc, char **argv);
int cmd_simulate(const cli_cmd *c, int argc, char **argv);
int cmd_spec(const cli_cmd *c, int argc, char **argv);
int cmd_demo(const cli_cmd *c, int argc, char **argv);
int cmd_platform(const cli_cmd *c, int argc, char **argv);
int cmd_text(const cli_cmd *c, int argc, char **argv);
int cmd_detect(const cli_cmd *c, int argc, char **argv);
int cmd_eval(const cli_cmd *c, int argc, char **argv);
/* `tianyan warnings` (with its ack / silence / unsilence subcommands, each with
 * its own option table) and `tianyan explain` (cmd_warnings.c). */
int cmd_warnings(const cli_cmd *c, int argc, char **argv);
int cmd_explain(const cli_cmd *c, int argc, char **argv);
int cmd_replay(const cli_cmd *c, int argc, char **argv);
int cmd_audit(const cli_cmd *c, int argc, char **argv);
int cmd_serve(const cli_cmd *c, int argc, char **argv);
int cmd_user(const cli_cmd *c, int argc, char **argv);
int cmd_key(const cli_cmd *c, int argc, char **argv);

/* `tianyan stats dispro`: a subcommand with its own option table, reached from
 * cmd_stats when the first argument is "dispro" (cmd_dispro.c). */
int cmd_stats_dispro(const cli_cmd *c, int argc, char **argv);
extern const cli_cmd stats_dispro_cmd;

extern const cli_opt ingest_opts[], stats_opts[], simulate_opts[], spec_opts[], demo_opts[],
    platform_opts[], stats_dispro_opts[], text_opts[], detect_opts[], eval_opts[], warnings_opts[],
    explain_opts[], replay_opts[], audit_opts[], serve_opts[], user_opts[], key_opts[];

#endif
