/* cmd_simulate.c - `tianyan simulate`: deterministic demo feeds with injected incidents. */
#include <stdio.h>

#include "cli.h"
#include "tianyan/sim.h"

const cli_opt simulate_opts[] = {
    {"out", "DIR", "output folder (created when missing)"},
    {"seed", "N", "random seed (default 1)"},
    {"days", "D", "days of activity, 1-366 (default 7)"},
    {"platforms", "K", "number of platforms, 1-16 (default 3)"},
    {"start", "DATE", "first day, YYYY-MM-DD (default 2026-09-01)"},
    {"scale", "X", "volume multiplier, 0.01-100 (default 1)"},
    {NULL, NULL, NULL},
};

int sim_options(const cli_cmd *c, const cli_args *a, ty_sim_opts *o);

int sim_options(const cli_cmd *c, const cli_args *a, ty_sim_opts *o)
{
    long long v;
    o->seed = 1;
    o->days = 7;
    o->platforms = 3;
    o->start = cli_get(c, a, "start");
    o->scale = 1.0;
    if (cli_get(c, a, "seed")) {
        if (!cli_int("seed", cli_get(c, a, "seed"), 0, (1LL << 62), &v))
            return CLI_USAGE;
        o->seed = (uint64_t)v;
    }
    if (cli_get(c, a, "days")) {
        if (!cli_int("days", cli_get(c, a, "days"), 1, 366, &v))
            return CLI_USAGE;
        o->days = (int)v;
    }
    if (cli_get(c, a, "platforms")) {
        if (!cli_int("platforms", cli_get(c, a, "platforms"), 1, TY_SIM_PLATFORMS_MAX, &v))
            return CLI_USAGE;
        o->platforms = (int)v;
    }
    if (cli_get(c, a, "scale")) {
        double x;
        char tail;
        if (sscanf(cli_get(c, a, "scale"), "%lf%c", &x, &tail) != 1 || x < 0.01 || x > 100) {
            fprintf(stderr, "tianyan: --scale must be a number from 0.01 to 100\n");
            return CLI_USAGE;
        }
        o->scale = x;
    }
    return CLI_OK;
}

int cmd_simulate(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    ty_sim_opts o;
    if ((rc = sim_options(c, &a, &o)) != CLI_OK)
        return rc;
    o.out_dir = cli_get(c, &a, "out");
    if (!o.out_dir) {
        fprintf(stderr, "tianyan simulate: --out is required\n");
        return CLI_USAGE;
    }
    ty_sim_summary s;
    char err[512];
    ty_err e = ty_simulate(&o, &s, err, sizeof err);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan simulate: %s\n", err[0] ? err : ty_err_message(e));
        return CLI_FAIL;
    }
    for (int i = 0; i < s.nplatforms; i++) {
        printf("%-16s %s:", s.platform[i].code, s.platform[i].path);
        for (int t = 1; t <= TY_REC_TYPE_MAX; t++)
            printf(" %s=%llu", ty_schema_of(t)->name, (unsigned long long)s.platform[i].records[t]);
        printf("\n");
    }
    printf("%llu records, %llu incidents (ground truth: %s)\n", (unsigned long long)s.total,
           (unsigned long long)s.incidents, s.truth_path);
    return CLI_OK;
}
