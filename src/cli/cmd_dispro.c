/*
 * cmd_dispro.c - `tianyan stats dispro`: the analyst's calculator for one 2x2
 * table of report counts; prints every disproportionality statistic of
 * include/tianyan/dispro.h as a text table or one JSON object. A thin client:
 * all arithmetic is in src/engine/stats/.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "cli.h"
#include "cli_json.h"
#include "tianyan/dispro.h"

const cli_opt stats_dispro_opts[] = {
    {"a", "N", "reports with the product and the reaction"},
    {"b", "N", "reports with the product and without the reaction"},
    {"c", "N", "reports with other products and the reaction"},
    {"d", "N", "reports with other products and without the reaction"},
    {"mgps", "A1,B1,A2,B2,P", "MGPS prior (alpha1,beta1,alpha2,beta2,P) for EBGM/EB05/EB95"},
    {"json", NULL, "print one JSON object"},
    {NULL, NULL, NULL},
};

const cli_cmd stats_dispro_cmd = {
    "stats dispro",
    "disproportionality statistics of one 2x2 table of report counts",
    "--a N --b N --c N --d N [--mgps A1,B1,A2,B2,P] [--json]",
    "a, b, c and d are report counts: a = product and reaction, b = product without the "
    "reaction, c = reaction with other products, d = neither. Prints PRR and ROR with 95% CIs, "
    "chi-squared with and without Yates's correction, the Evans signal criteria (PRR >= 2, "
    "Yates chi-squared >= 4, a >= 3), the shrinkage IC with IC025/IC975, the BCPNN IC with a "
    "95% interval and, with --mgps, DuMouchel's EBGM, EB05 and EB95. A statistic the table "
    "cannot support is printed as undefined (null in JSON) with its reason. Formulas and "
    "sources: docs/detection.md. Exit status: 0 done, 2 usage error.",
    stats_dispro_opts,
    cmd_stats_dispro,
};

/* Parses "A1,B1,A2,B2,P"; 0 (and a message) when malformed or not a valid prior. */
static int parse_prior(const char *s, ty_mgps_prior *p)
{
    double v[5];
    const char *q = s;
    for (int i = 0; i < 5; i++) {
        char *end;
        errno = 0;
        v[i] = strtod(q, &end);
        if (errno || end == q || *end != (i < 4 ? ',' : '\0'))
            goto bad;
        q = end + 1;
    }
    *p = (ty_mgps_prior){v[0], v[1], v[2], v[3], v[4]};
    if (ty_mgps_prior_check(p) == TY_OK)
        return 1;
bad:
    fprintf(stderr,
            "tianyan stats dispro: --mgps must be five numbers A1,B1,A2,B2,P with alpha1, beta1, "
            "alpha2, beta2 > 0 and 0 < P < 1, got \"%s\"\n",
            s);
    return 0;
}

/* Why a statistic is undefined, for the text table's notes. */
static const struct {
    unsigned flag;
    const char *what;
} reasons[] = {
    {TY_DISPRO_PRR_UNDEF, "PRR: a+b, c+d or c is 0 (division by zero)"},
    {TY_DISPRO_PRR_CI_UNDEF, "PRR interval: ln PRR needs a > 0 and a defined PRR"},
    {TY_DISPRO_ROR_UNDEF, "ROR: b or c is 0 (division by zero)"},
    {TY_DISPRO_ROR_CI_UNDEF, "ROR interval: ln ROR needs a > 0, d > 0 and a defined ROR"},
    {TY_DISPRO_CHI2_UNDEF, "chi-squared: a row or column total is 0"},
    {TY_DISPRO_EVANS_UNDEF, "Evans: needs PRR and chi-squared"},
    {TY_DISPRO_IC_CI_EXACT, "IC025/IC975 are the exact gamma limits (a + 0.5 < 1)"},
    {TY_DISPRO_MGPS_NONE, "MGPS: no prior given (--mgps)"},
    {TY_DISPRO_GAMMA_RANGE, "gamma limits and EB05/EB95: count beyond GSL's reliable range"},
};

static void num(char *out, size_t n, double v)
{
    if (isnan(v))
        snprintf(out, n, "undefined");
    else
        snprintf(out, n, "%.7g", v);
}

/* One line of the text table: the value and/or the interval, and a note. */
static void row(const char *name, int show_v, double v, int show_ci, double lo, double hi,
                const char *note)
{
    char a[32] = "", b[32] = "", c[32] = "";
    if (show_v)
        num(a, sizeof a, v);
    if (show_ci) {
        num(b, sizeof b, lo);
        num(c, sizeof c, hi);
    }
    printf("%-22s %-14s %-14s %-14s %s\n", name, a, b, c, note ? note : "");
}

static void print_text(const ty_dispro_result *r, const ty_mgps_prior *prior)
{
    printf("table: a=%llu b=%llu c=%llu d=%llu  N=%.0f  expected a (E)=%.7g\n\n",
           (unsigned long long)r->t.a, (unsigned long long)r->t.b, (unsigned long long)r->t.c,
           (unsigned long long)r->t.d, r->n, r->expected);
    printf("%-22s %-14s %-14s %-14s\n", "statistic", "value", "lower", "upper");
    row("PRR", 1, r->prr, 1, r->prr_lo, r->prr_hi, "95% CI");
    row("ROR", 1, r->ror, 1, r->ror_lo, r->ror_hi, "95% CI");
    char p[64];
    snprintf(p, sizeof p, "p = %.4g", r->chi2_p);
    row("chi-squared", 1, r->chi2, 0, 0, 0, isnan(r->chi2_p) ? NULL : p);
    snprintf(p, sizeof p, "p = %.4g", r->chi2_yates_p);
    row("chi-squared (Yates)", 1, r->chi2_yates, 0, 0, 0, isnan(r->chi2_yates_p) ? NULL : p);
    row("IC (shrinkage)", 1, r->ic, 1, r->ic025, r->ic975, "IC025, IC975");
    row("IC gamma limits", 0, 0, 1, r->ic025_gamma, r->ic975_gamma, "exact 2.5%, 97.5%");
    row("BCPNN IC", 1, r->bcpnn_ic, 1, r->bcpnn_lo, r->bcpnn_hi, "95% interval");
    if (prior) {
        row("EBGM", 1, r->mgps.ebgm, 1, r->mgps.eb05, r->mgps.eb95, "EB05, EB95");
        printf("%-22s %.7g,%.7g,%.7g,%.7g,%.7g (Qn %.7g)\n", "MGPS prior", prior->alpha1,
               prior->beta1, prior->alpha2, prior->beta2, prior->p, r->mgps.qn);
    }
    printf("%-22s %s\n", "Evans signal",
           (r->flags & TY_DISPRO_EVANS_UNDEF) ? "undefined"
           : r->evans                         ? "yes (PRR >= 2, Yates chi-squared >= 4, a >= 3)"
                                              : "no");
    int first = 1;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
        if (r->flags & reasons[i].flag) {
            printf("%s  %s\n", first ? "\nnotes:\n" : "", reasons[i].what);
            first = 0;
        }
}

static void gen_interval(yajl_gen g, const char *k, double v, double lo, double hi)
{
    cli_j_key(g, k);
    yajl_gen_map_open(g);
    cli_j_num(g, "value", v);
    cli_j_num(g, "lower", lo);
    cli_j_num(g, "upper", hi);
    yajl_gen_map_close(g);
}

static const struct {
    unsigned flag;
    const char *name;
} flag_names[] = {
    {TY_DISPRO_PRR_UNDEF, "prr"},   {TY_DISPRO_PRR_CI_UNDEF, "prr_ci"},
    {TY_DISPRO_ROR_UNDEF, "ror"},   {TY_DISPRO_ROR_CI_UNDEF, "ror_ci"},
    {TY_DISPRO_CHI2_UNDEF, "chi2"}, {TY_DISPRO_EVANS_UNDEF, "evans"},
    {TY_DISPRO_MGPS_NONE, "mgps"},  {TY_DISPRO_GAMMA_RANGE, "gamma_limits"},
};

static int print_json(const ty_dispro_result *r, const ty_mgps_prior *prior)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return CLI_FAIL;
    yajl_gen_map_open(g);
    /* counts are <= 2^53, so they fit a long long exactly */
    cli_j_int(g, "a", (long long)r->t.a);
    cli_j_int(g, "b", (long long)r->t.b);
    cli_j_int(g, "c", (long long)r->t.c);
    cli_j_int(g, "d", (long long)r->t.d);
    cli_j_int(g, "n", (long long)(r->t.a + r->t.b + r->t.c + r->t.d));
    cli_j_num(g, "expected", r->expected);
    gen_interval(g, "prr", r->prr, r->prr_lo, r->prr_hi);
    gen_interval(g, "ror", r->ror, r->ror_lo, r->ror_hi);
    cli_j_key(g, "chi2");
    yajl_gen_map_open(g);
    cli_j_num(g, "value", r->chi2);
    cli_j_num(g, "p", r->chi2_p);
    cli_j_num(g, "yates", r->chi2_yates);
    cli_j_num(g, "yates_p", r->chi2_yates_p);
    yajl_gen_map_close(g);
    cli_j_key(g, "evans");
    if (r->flags & TY_DISPRO_EVANS_UNDEF)
        yajl_gen_null(g);
    else
        yajl_gen_bool(g, r->evans);
    cli_j_key(g, "ic");
    yajl_gen_map_open(g);
    cli_j_num(g, "value", r->ic);
    cli_j_num(g, "ic025", r->ic025);
    cli_j_num(g, "ic975", r->ic975);
    cli_j_num(g, "ic025_gamma", r->ic025_gamma);
    cli_j_num(g, "ic975_gamma", r->ic975_gamma);
    cli_j_key(g, "exact_limits");
    yajl_gen_bool(g, !!(r->flags & TY_DISPRO_IC_CI_EXACT));
    yajl_gen_map_close(g);
    cli_j_key(g, "bcpnn");
    yajl_gen_map_open(g);
    cli_j_num(g, "value", r->bcpnn_ic);
    cli_j_num(g, "variance", r->bcpnn_var);
    cli_j_num(g, "lower", r->bcpnn_lo);
    cli_j_num(g, "upper", r->bcpnn_hi);
    yajl_gen_map_close(g);
    cli_j_key(g, "mgps");
    if (!prior) {
        yajl_gen_null(g);
    } else {
        yajl_gen_map_open(g);
        cli_j_num(g, "alpha1", prior->alpha1);
        cli_j_num(g, "beta1", prior->beta1);
        cli_j_num(g, "alpha2", prior->alpha2);
        cli_j_num(g, "beta2", prior->beta2);
        cli_j_num(g, "p", prior->p);
        cli_j_num(g, "qn", r->mgps.qn);
        cli_j_num(g, "ebgm", r->mgps.ebgm);
        cli_j_num(g, "eb05", r->mgps.eb05);
        cli_j_num(g, "eb95", r->mgps.eb95);
        yajl_gen_map_close(g);
    }
    cli_j_key(g, "undefined");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < sizeof flag_names / sizeof flag_names[0]; i++)
        if (r->flags & flag_names[i].flag)
            cli_j_key(g, flag_names[i].name);
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(g, &buf, &len);
    fwrite(buf, 1, len, stdout);
    fputc('\n', stdout);
    yajl_gen_free(g);
    return CLI_OK;
}

int cmd_stats_dispro(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    static const char *const cells[] = {"a", "b", "c", "d"};
    long long v[4];
    if (a.npos > 0) {
        fprintf(stderr, "tianyan stats dispro: unexpected argument \"%s\"\n", a.pos[0]);
        fprintf(stderr, "try: tianyan stats dispro --help\n");
        return CLI_USAGE;
    }
    for (int i = 0; i < 4; i++) {
        const char *s = cli_get(c, &a, cells[i]);
        if (!s) {
            fprintf(stderr, "tianyan stats dispro: --a, --b, --c and --d are required\n");
            fprintf(stderr, "try: tianyan stats dispro --help\n");
            return CLI_USAGE;
        }
        if (!cli_int(cells[i], s, 0, 1LL << 53, &v[i]))
            return CLI_USAGE;
    }
    ty_dispro_counts t = {(uint64_t)v[0], (uint64_t)v[1], (uint64_t)v[2], (uint64_t)v[3]};
    if (t.a + t.b + t.c + t.d == 0 || t.a + t.b + t.c + t.d > (UINT64_C(1) << 53)) {
        fprintf(stderr, "tianyan stats dispro: a + b + c + d must be from 1 to 2^53, got %llu\n",
                (unsigned long long)(t.a + t.b + t.c + t.d));
        return CLI_USAGE;
    }
    ty_mgps_prior prior;
    const char *m = cli_get(c, &a, "mgps");
    if (m && !parse_prior(m, &prior))
        return CLI_USAGE;
    ty_dispro_result r;
    ty_err e = ty_dispro_table(&t, m ? &prior : NULL, NULL, &r);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan stats dispro: %s\n", ty_err_message(e));
        return CLI_FAIL;
    }
    if (cli_get(c, &a, "json"))
        return print_json(&r, m ? &prior : NULL);
    print_text(&r, m ? &prior : NULL);
    return CLI_OK;
}
