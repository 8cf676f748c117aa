/* cmd_stats.c - `tianyan stats`: counts per platform, record type and day;
 * `tianyan stats dispro ...` is handed to its own command (cmd_dispro.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tianyan/store.h"
#include "tianyan/timeutil.h"

const cli_opt stats_opts[] = {
    {"db", "PATH", "store file"},
    {"key-file", "PATH", "pseudonym key file (default: PATH.key)"},
    {"utc-offset", "+HH:MM", "zone the days are counted in (default +08:00)"},
    {NULL, NULL, NULL},
};

typedef struct stats_ctx {
    int64_t total;
    int64_t by_type[TY_REC_TYPE_MAX + 1];
} stats_ctx;

static ty_err print_row(void *ctx, const ty_stat_row *r)
{
    stats_ctx *c = ctx;
    printf("%-16s %-14s %s %10lld\n", r->platform, r->type, r->day, (long long)r->count);
    c->total += r->count;
    for (int t = 1; t <= TY_REC_TYPE_MAX; t++)
        if (strcmp(ty_schema_of(t)->name, r->type) == 0)
            c->by_type[t] += r->count;
    return TY_OK;
}

int cmd_stats(const cli_cmd *c, int argc, char **argv)
{
    /* A subcommand has its own option table, so it is dispatched before parsing. */
    if (argc >= 2 && strcmp(argv[1], "dispro") == 0)
        return stats_dispro_cmd.run(&stats_dispro_cmd, argc - 1, argv + 1);
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db");
    if (!db) {
        fprintf(stderr, "tianyan stats: --db is required\n");
        return CLI_USAGE;
    }
    int off = 8 * 60;
    const char *o = cli_get(c, &a, "utc-offset");
    if (o && ty_offset_parse(o, &off) != TY_OK) {
        fprintf(stderr, "tianyan stats: --utc-offset must look like +08:00 or Z, got \"%s\"\n", o);
        return CLI_USAGE;
    }
    ty_store_opts so = {db, cli_get(c, &a, "key-file"), 0, 0};
    char err[512];
    ty_store *st;
    ty_err e = ty_store_open(&st, &so, err, sizeof err);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan stats: %s\n", err[0] ? err : ty_err_message(e));
        return CLI_FAIL;
    }
    stats_ctx sc = {0};
    printf("%-16s %-14s %-10s %10s\n", "platform", "type", "day", "events");
    e = ty_store_stats(st, off, print_row, &sc);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan stats: %s: %s\n", ty_err_message(e), ty_store_errmsg(st));
        ty_store_close(&st);
        return CLI_FAIL;
    }
    printf("\ntotals by record type:\n");
    for (int t = 1; t <= TY_REC_TYPE_MAX; t++)
        printf("  %-14s %10lld\n", ty_schema_of(t)->name, (long long)sc.by_type[t]);
    printf("  %-14s %10lld\n", "all", (long long)sc.total);
    ty_store_close(&st);
    return CLI_OK;
}
