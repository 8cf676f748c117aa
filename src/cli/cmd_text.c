/*
 * cmd_text.c - `tianyan text`: classifies buyer texts read one per line from
 * standard input and prints, per line, the risk classes found with their
 * evidence (term, class, byte offset) and the negative/positive verdict.
 *
 * Every input line gets exactly one output line, so outputs can be pasted
 * next to inputs; a line that cannot be classified (too long, not UTF-8) gets
 * an error line saying why, and the exit status is then 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "cli.h"
#include "tianyan/buf.h"
#include "tianyan/text.h"

const cli_opt text_opts[] = {
    {"json", NULL, "print one JSON object per line"},
    {"data-dir", "DIR", "folder with lexicon/ and model/ (default: the build's data folder)"},
    {"max-line", "N", "longest line classified, in bytes (default and most 65536)"},
    {NULL, NULL, NULL},
};

typedef struct text_run {
    ty_text *clf;
    int json;
    unsigned long long lines, rejected;
    ty_text_result r;
} text_run;

static void gen_str(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_strn(yajl_gen g, const char *s, size_t n)
{
    yajl_gen_string(g, (const unsigned char *)s, n);
}

static void gen_int(yajl_gen g, const char *k, long long v)
{
    gen_str(g, k);
    yajl_gen_integer(g, v);
}

static void print_gen(yajl_gen g)
{
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(g, &buf, &len);
    fwrite(buf, 1, len, stdout);
    fputc('\n', stdout);
    yajl_gen_clear(g);
}

static void report_error(text_run *t, const char *msg)
{
    t->rejected++;
    if (!t->json) {
        printf("line %llu: error: %s\n", t->lines, msg);
        return;
    }
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return;
    yajl_gen_map_open(g);
    gen_int(g, "line", (long long)t->lines);
    gen_str(g, "error");
    gen_str(g, msg);
    yajl_gen_map_close(g);
    print_gen(g);
    yajl_gen_free(g);
}

static void print_json(const text_run *t, const char *s)
{
    const ty_text_result *r = &t->r;
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return;
    yajl_gen_map_open(g);
    gen_int(g, "line", (long long)t->lines);
    gen_str(g, "classes");
    yajl_gen_array_open(g);
    for (int c = 0; c < TY_TEXT_NCLASSES; c++)
        if (r->classes & (1u << c))
            gen_str(g, ty_text_class_name(c));
    yajl_gen_array_close(g);
    gen_str(g, "sentiment");
    gen_str(g, r->negative ? "negative" : "positive");
    gen_str(g, "score");
    /* three decimals: enough to rank, and stable across platforms' printf */
    char num[16];
    int n = snprintf(num, sizeof num, "%.3f", r->score);
    yajl_gen_number(g, num, (size_t)n);
    gen_int(g, "features", r->features);
    gen_str(g, "evidence");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < r->nhits; i++) {
        const ty_text_hit *h = &r->hits[i];
        yajl_gen_map_open(g);
        gen_str(g, "class");
        gen_str(g, ty_text_class_name(h->cls));
        gen_str(g, "term");
        gen_strn(g, s + h->off, h->len);
        gen_str(g, "entry");
        gen_str(g, h->term);
        gen_int(g, "offset", h->off);
        gen_int(g, "length", h->len);
        gen_str(g, "negated");
        yajl_gen_bool(g, h->negated);
        if (h->negated) {
            gen_str(g, "cue");
            gen_strn(g, s + h->cue_off, h->cue_len);
            gen_int(g, "cue_offset", h->cue_off);
        }
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    if (r->nhits_total > r->nhits)
        gen_int(g, "evidence_total", (long long)r->nhits_total);
    yajl_gen_map_close(g);
    print_gen(g);
    yajl_gen_free(g);
}

/* "line 3: negative 0.912; allergy 過敏@6; negated counterfeit 假货@21 (不是)" */
static void print_text(const text_run *t, const char *s)
{
    const ty_text_result *r = &t->r;
    printf("line %llu: %s %.3f", t->lines, r->negative ? "negative" : "positive", r->score);
    if (!r->nhits)
        printf("; no lexicon terms");
    for (size_t i = 0; i < r->nhits; i++) {
        const ty_text_hit *h = &r->hits[i];
        printf("; %s%s %.*s@%u", h->negated ? "negated " : "", ty_text_class_name(h->cls),
               (int)h->len, s + h->off, h->off);
        if (h->negated)
            printf(" (%.*s)", (int)h->cue_len, s + h->cue_off);
    }
    if (r->nhits_total > r->nhits)
        printf("; %zu more", r->nhits_total - r->nhits);
    fputc('\n', stdout);
}

static void one_line(text_run *t, const char *s, size_t n)
{
    if (n && s[n - 1] == '\r')
        n--;
    ty_err e = ty_text_classify(t->clf, s, n, &t->r);
    if (e == TY_EPARSE) {
        char msg[96];
        snprintf(msg, sizeof msg, "invalid UTF-8 at byte %zu", t->r.bad_utf8_at);
        report_error(t, msg);
    } else if (e != TY_OK) {
        report_error(t, ty_err_message(e));
    } else if (t->json) {
        print_json(t, s);
    } else {
        print_text(t, s);
    }
}

int cmd_text(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    if (a.npos) {
        fprintf(stderr, "tianyan text: texts are read from standard input, one per line\n");
        return CLI_USAGE;
    }
    long long max = TY_TEXT_LEN_MAX;
    const char *m = cli_get(c, &a, "max-line");
    if (m && !cli_int("max-line", m, 1, TY_TEXT_LEN_MAX, &max))
        return CLI_USAGE;
    const char *dir = cli_get(c, &a, "data-dir");
    text_run t = {.json = cli_get(c, &a, "json") != NULL};
    char err[512];
    if (ty_text_open(&t.clf, dir ? dir : TY_DATA_DIR, err, sizeof err) != TY_OK) {
        fprintf(stderr, "tianyan text: %s\n", err);
        return CLI_FAIL;
    }
    /* one byte more than max for a '\r' before the newline */
    ty_buf line;
    ty_buf_init(&line, (size_t)max + 1);
    char chunk[65536];
    size_t n;
    int too_long = 0;
    char msg[96];
    snprintf(msg, sizeof msg, "line longer than %lld bytes", max);
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
        const char *p = chunk, *end = chunk + n;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *seg = nl ? nl : end;
            if (!too_long && ty_buf_append(&line, p, (size_t)(seg - p)) != TY_OK)
                too_long = 1;
            p = nl ? nl + 1 : end;
            if (!nl)
                break;
            t.lines++;
            size_t len = line.len - (line.len && line.data[line.len - 1] == '\r');
            if (too_long || len > (size_t)max)
                report_error(&t, msg);
            else
                one_line(&t, ty_buf_cstr(&line), line.len);
            ty_buf_reset(&line);
            too_long = 0;
        }
    }
    int read_failed = ferror(stdin);
    if (line.len || too_long) { /* a last line without a newline */
        t.lines++;
        size_t len = line.len - (line.len && line.data[line.len - 1] == '\r');
        if (too_long || len > (size_t)max)
            report_error(&t, msg);
        else
            one_line(&t, ty_buf_cstr(&line), line.len);
    }
    ty_buf_free(&line);
    ty_text_close(&t.clf);
    if (fflush(stdout) != 0 || read_failed) {
        fprintf(stderr, "tianyan text: %s\n", read_failed ? "read error" : "write error");
        return CLI_FAIL;
    }
    return t.rejected ? CLI_REJECTS : CLI_OK;
}
