/* cli_json.c - JSON output of the commands (`--json`), through yajl's generator. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli_json.h"

static void to_stdout(void *ctx, const char *s, size_t n)
{
    (void)ctx;
    fwrite(s, 1, n, stdout);
}

yajl_gen cli_json_new(void)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (g)
        yajl_gen_config(g, yajl_gen_print_callback, to_stdout, NULL);
    return g;
}

void cli_json_end(yajl_gen g)
{
    yajl_gen_free(g);
    putchar('\n');
}

void cli_j_key(yajl_gen g, const char *k)
{
    yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

void cli_j_str(yajl_gen g, const char *k, const char *v)
{
    cli_j_key(g, k);
    if (v && *v)
        yajl_gen_string(g, (const unsigned char *)v, strlen(v));
    else
        yajl_gen_null(g);
}

void cli_j_int(yajl_gen g, const char *k, long long v)
{
    cli_j_key(g, k);
    yajl_gen_integer(g, v);
}

void cli_j_num(yajl_gen g, const char *k, double v)
{
    cli_j_key(g, k);
    if (!isfinite(v)) {
        yajl_gen_null(g);
        return;
    }
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.10g", v);
    yajl_gen_number(g, buf, (size_t)n);
}

void cli_j_bool(yajl_gen g, const char *k, int v)
{
    cli_j_key(g, k);
    yajl_gen_bool(g, v);
}
