/* cmd_ingest.c - `tianyan ingest`: feeds and public data files into the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

#include "cli.h"
#include "tianyan/audit.h"
#include "tianyan/ingest.h"
#include "tianyan/reference.h"

const cli_opt ingest_opts[] = {
    {"db", "PATH", "store file (created when missing)"},
    {"platform", "ID", "registered platform the feed comes from (required for feed formats)"},
    {"create-platform", NULL, "register the platform first if it is not yet known"},
    {"format", "FMT", "jsonl (default), csv, caers, cosing or safety-gate"},
    {"key-file", "PATH", "pseudonym key file (default: PATH.key next to the store)"},
    {"batch", "N", "records per commit (default 10000)"},
    {"max-errors", "N", "rejects listed per file (default 100)"},
    {"json", NULL, "print the report as JSON"},
    {"progress", NULL, "print the committed totals after every commit"},
    {NULL, NULL, NULL},
};

static void print_report_text(const char *file, const ty_ingest_report *r)
{
    char conflicts[64] = "";
    if (r->conflicts)
        snprintf(conflicts, sizeof conflicts, " (%llu with different content)",
                 (unsigned long long)r->conflicts);
    printf("%s: %llu lines, accepted %llu, duplicate %llu%s, rejected %llu (batch %lld, %llu "
           "commits)\n",
           file, (unsigned long long)r->lines, (unsigned long long)r->accepted,
           (unsigned long long)r->duplicate, conflicts, (unsigned long long)r->rejected,
           (long long)r->batch, (unsigned long long)r->commits);
    for (size_t i = 0; i < r->nerrors; i++) {
        char msg[512];
        ty_reject_format(&r->errors[i], msg, sizeof msg);
        printf("  %s\n", msg);
    }
    if (r->rejected + r->conflicts > r->nerrors)
        printf("  ... and %llu more (kept in the store's ingest_rejects, up to %d per batch)\n",
               (unsigned long long)(r->rejected + r->conflicts - r->nerrors),
               TY_STORE_REJECTS_KEPT);
}

static void gen_str(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_int(yajl_gen g, const char *k, long long v)
{
    gen_str(g, k);
    yajl_gen_integer(g, v);
}

/* Ends a JSON report: its "errors" array, then prints it as one line and frees g. */
static void gen_errors_and_print(yajl_gen g, const ty_reject *errors, size_t n)
{
    gen_str(g, "errors");
    yajl_gen_array_open(g);
    for (size_t i = 0; i < n; i++) {
        const ty_reject *x = &errors[i];
        yajl_gen_map_open(g);
        gen_int(g, "line", (long long)x->line);
        gen_str(g, "field");
        gen_str(g, x->field);
        gen_str(g, "code");
        gen_str(g, ty_reject_class_name(x->class_));
        gen_str(g, "message");
        gen_str(g, x->message);
        yajl_gen_map_close(g);
    }
    yajl_gen_array_close(g);
    yajl_gen_map_close(g);
    const unsigned char *buf;
    size_t len;
    yajl_gen_get_buf(g, &buf, &len);
    printf("%.*s\n", (int)len, (const char *)buf);
    yajl_gen_free(g);
}

static void print_report_json(const char *file, const ty_ingest_report *r, ty_err e)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return;
    yajl_gen_map_open(g);
    gen_str(g, "file");
    gen_str(g, file);
    gen_str(g, "status");
    gen_str(g, ty_err_name(e));
    gen_int(g, "lines", (long long)r->lines);
    gen_int(g, "accepted", (long long)r->accepted);
    gen_int(g, "duplicate", (long long)r->duplicate);
    gen_int(g, "conflicts", (long long)r->conflicts);
    gen_int(g, "rejected", (long long)r->rejected);
    gen_int(g, "batch", (long long)r->batch);
    gen_int(g, "commits", (long long)r->commits);
    gen_errors_and_print(g, r->errors, r->nerrors);
}

/* Printed on the writer thread after each commit: these counts are durable. */
static void print_progress(void *ctx, const ty_ingest_report *r)
{
    printf("committed %s: accepted %llu, duplicate %llu, rejected %llu\n", (const char *)ctx,
           (unsigned long long)r->accepted, (unsigned long long)r->duplicate,
           (unsigned long long)r->rejected);
    fflush(stdout);
}

static void print_ref_json(const char *file, const ty_ref_report *r, ty_err e)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return;
    yajl_gen_map_open(g);
    gen_str(g, "file");
    gen_str(g, file);
    gen_str(g, "status");
    gen_str(g, ty_err_name(e));
    gen_str(g, "source");
    gen_str(g, r->source);
    gen_int(g, "rows", (long long)r->rows);
    gen_int(g, "inserted", (long long)r->inserted);
    gen_int(g, "updated", (long long)r->updated);
    gen_int(g, "unchanged", (long long)r->unchanged);
    gen_int(g, "rejected", (long long)r->rejected);
    gen_errors_and_print(g, r->errors, r->nerrors);
}

static int ingest_reference(ty_store *st, ty_ref_format rf, int nfiles, char **files, int json)
{
    int rc = CLI_OK;
    for (int i = 0; i < nfiles; i++) {
        ty_ref_report rep;
        memset(&rep, 0, sizeof rep);
        ty_err e = ty_ref_import_path(st, rf, files[i], &rep);
        if (json) {
            print_ref_json(files[i], &rep, e);
        } else {
            if (e == TY_OK)
                printf("%s: %s, %llu rows: inserted %llu, updated %llu, unchanged %llu, rejected "
                       "%llu\n",
                       files[i], rep.source, (unsigned long long)rep.rows,
                       (unsigned long long)rep.inserted, (unsigned long long)rep.updated,
                       (unsigned long long)rep.unchanged, (unsigned long long)rep.rejected);
            for (size_t k = 0; k < rep.nerrors; k++) {
                char msg[512];
                ty_reject_format(&rep.errors[k], msg, sizeof msg);
                printf("  %s\n", msg);
            }
        }
        if (e != TY_OK) {
            int st_err = e == TY_ESTORE || e == TY_EBUSY || e == TY_EIO;
            fprintf(stderr, "tianyan ingest: %s: %s%s%s\n", files[i], ty_err_message(e),
                    st_err ? ": " : "", st_err ? ty_store_errmsg(st) : "");
            return CLI_FAIL;
        }
        if (rep.inserted || rep.updated) {
            ty_audit_field af[] = {{"source", files[i], 0},
                                   {"what", rep.source, 0},
                                   {"inserted", NULL, (int64_t)rep.inserted},
                                   {"updated", NULL, (int64_t)rep.updated},
                                   {"unchanged", NULL, (int64_t)rep.unchanged},
                                   {"rejected", NULL, (int64_t)rep.rejected}};
            if (cli_audit(st, "ingest", "reference.import", "reference", af, 6) != CLI_OK)
                return CLI_FAIL;
        }
        if (rep.rejected)
            rc = CLI_REJECTS;
    }
    return rc;
}

int cmd_ingest(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    const char *db = cli_get(c, &a, "db");
    const char *platform = cli_get(c, &a, "platform");
    const char *fmt = cli_get(c, &a, "format");
    long long batch = 10000, maxerr = 100;
    if (!db || a.npos == 0) {
        fprintf(stderr, "tianyan ingest: --db and at least one FILE are required\n");
        cli_help(c, stderr);
        return CLI_USAGE;
    }
    if (cli_get(c, &a, "batch") && !cli_int("batch", cli_get(c, &a, "batch"), 1, 1000000, &batch))
        return CLI_USAGE;
    if (cli_get(c, &a, "max-errors") &&
        !cli_int("max-errors", cli_get(c, &a, "max-errors"), 1, 100000, &maxerr))
        return CLI_USAGE;
    ty_format f = TY_FMT_JSONL;
    ty_ref_format rf = 0;
    int is_ref = fmt && ty_ref_format_parse(fmt, &rf);
    if (fmt && !is_ref && !ty_format_parse(fmt, &f)) {
        fprintf(stderr,
                "tianyan ingest: unknown --format \"%s\" (jsonl, csv, caers, cosing, "
                "safety-gate)\n",
                fmt);
        return CLI_USAGE;
    }
    if (!is_ref && !platform) {
        fprintf(stderr, "tianyan ingest: --platform is required for --format %s\n",
                ty_format_name(f));
        return CLI_USAGE;
    }
    ty_store_opts so = {db, cli_get(c, &a, "key-file"), 0, 0};
    char err[512];
    ty_store *st;
    ty_err e = ty_store_open(&st, &so, err, sizeof err);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan ingest: %s\n", err[0] ? err : ty_err_message(e));
        return CLI_FAIL;
    }
    if (is_ref) {
        rc = ingest_reference(st, rf, a.npos, a.pos, cli_get(c, &a, "json") != NULL);
        ty_store_close(&st);
        return rc;
    }
    int json = cli_get(c, &a, "json") != NULL;
    int64_t pid;
    ty_writer *w = NULL;
    e = ty_store_platform(st, platform, cli_get(c, &a, "create-platform") != NULL, &pid);
    if (e == TY_ENOENT) {
        fprintf(stderr,
                "tianyan ingest: unknown platform \"%s\"; register it with `tianyan platform "
                "--db %s add %s` (or pass --create-platform)\n",
                platform, db, platform);
        ty_store_close(&st);
        return CLI_FAIL;
    }
    if (e == TY_OK)
        e = ty_writer_start(&w, st, &(ty_writer_opts){(size_t)batch, 0, 0});
    if (e != TY_OK) {
        fprintf(stderr, "tianyan ingest: %s: %s\n", ty_err_message(e), ty_store_errmsg(st));
        ty_store_close(&st);
        return CLI_FAIL;
    }
    rc = CLI_OK;
    uint64_t(*counts)[3] = calloc((size_t)a.npos, sizeof *counts); /* per file, for the audit */
    int nfiles = 0;
    for (int i = 0; i < a.npos && counts; i++) {
        ty_ingest_opts io = {0};
        io.sub.platform = pid;
        io.sub.source = a.pos[i];
        io.sub.max_errors = (size_t)maxerr;
        if (cli_get(c, &a, "progress")) {
            io.sub.on_commit = print_progress;
            io.sub.ctx = a.pos[i];
        }
        io.format = f;
        ty_ingest_report rep;
        e = ty_ingest_path(w, &io, a.pos[i], &rep);
        if (json)
            print_report_json(a.pos[i], &rep, e);
        else if (e == TY_OK)
            print_report_text(a.pos[i], &rep);
        if (e != TY_OK) {
            int st_err = e == TY_ESTORE || e == TY_EBUSY || e == TY_EIO;
            fprintf(stderr, "tianyan ingest: %s: %s%s%s\n", a.pos[i], ty_err_message(e),
                    st_err ? ": " : "", st_err ? ty_store_errmsg(st) : "");
            if (rep.commits)
                fprintf(stderr,
                        "tianyan ingest: %s: %llu accepted and %llu duplicate events were "
                        "committed before the failure; re-send the file to finish\n",
                        a.pos[i], (unsigned long long)rep.accepted,
                        (unsigned long long)rep.duplicate);
            ty_ingest_report_free(&rep);
            rc = CLI_FAIL;
            break;
        }
        if (rep.rejected || rep.conflicts)
            rc = CLI_REJECTS;
        counts[nfiles][0] = rep.accepted;
        counts[nfiles][1] = rep.duplicate;
        counts[nfiles][2] = rep.rejected;
        nfiles++;
        ty_ingest_report_free(&rep);
    }
    if (!counts)
        rc = CLI_FAIL;
    e = ty_writer_stop(&w);
    if (e != TY_OK && rc != CLI_FAIL) {
        fprintf(stderr, "tianyan ingest: %s: %s\n", ty_err_message(e), ty_store_errmsg(st));
        rc = CLI_FAIL;
    }
    /* each file read to its end is one ingest batch of the audit trail */
    char object[64];
    snprintf(object, sizeof object, "platform:%s", platform);
    for (int i = 0; i < nfiles && e == TY_OK; i++) {
        ty_audit_field af[] = {{"source", a.pos[i], 0},
                               {"format", ty_format_name(f), 0},
                               {"accepted", NULL, (int64_t)counts[i][0]},
                               {"duplicate", NULL, (int64_t)counts[i][1]},
                               {"rejected", NULL, (int64_t)counts[i][2]}};
        if (cli_audit(st, "ingest", "ingest.batch", object, af, 5) != CLI_OK) {
            rc = CLI_FAIL;
            break;
        }
    }
    free(counts);
    ty_store_close(&st);
    return rc;
}
