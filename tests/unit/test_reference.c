/*
 * test_reference.c - the reference importers against the real public files in
 * ../shared/data: CosIng Annex II / III and Safety Gate alerts. Counts, sample
 * records, CAS / EC check digits, idempotent re-import, updates, rejects with
 * line numbers, rollback on a failure half-way, and the look-ups.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tianyan/refcodec.h"
#include "tianyan/reference.h"
#include "tianyan/store.h"

static char scratch[4096];

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", scratch, name);
}

static void data_path(char *out, size_t n, const char *rel)
{
    snprintf(out, n, "%s/%s", check_data_dir(), rel);
}

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK(fwrite(text, 1, n, f) == n);
    fclose(f);
}

/* Whole file into a malloc'd NUL-terminated buffer. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    *n = fread(b, 1, (size_t)len, f);
    b[*n] = '\0';
    fclose(f);
    return b;
}

/* ------------------------------------------------------------ identifiers */

static void test_chem_ids(void)
{
    char v[TY_CHEMID_MAX];
    /* CAS: check digit = sum of digits weighted 1,2,3... from the right, mod 10 */
    CHECK(ty_cas_normalise("80-54-6", 7, v) && strcmp(v, "80-54-6") == 0); /* BMHCA */
    CHECK(ty_cas_normalise("7732-18-5", 9, v));                            /* water */
    CHECK(ty_cas_normalise("107-07-3", 8, v));                             /* CAS's example */
    CHECK(ty_cas_normalise("1361000-03-4", 12, v));                        /* 7-digit first part */
    CHECK(ty_cas_normalise("0080-54-6", 9, v) && strcmp(v, "80-54-6") == 0);
    CHECK(!ty_cas_normalise("80-54-5", 7, v));        /* wrong check digit */
    CHECK(!ty_cas_normalise("7732-18-4", 9, v));      /* wrong check digit */
    CHECK(!ty_cas_normalise("8-54-6", 6, v));         /* first part too short */
    CHECK(!ty_cas_normalise("12345678-12-3", 13, v)); /* first part too long */
    CHECK(!ty_cas_normalise("80-5-6", 6, v));
    CHECK(!ty_cas_normalise("80546", 5, v));
    CHECK(!ty_cas_normalise("80-54-6x", 8, v));
    CHECK(!ty_cas_normalise("8a-54-6", 7, v));
    CHECK(!ty_cas_normalise("-", 1, v));
    CHECK(!ty_cas_normalise("", 0, v));
    /* EC: check digit = sum of digits weighted 1..6 from the left, mod 11 */
    CHECK(ty_ec_normalise("201-289-8", 9, v) && strcmp(v, "201-289-8") == 0); /* BMHCA */
    CHECK(ty_ec_normalise("231-765-0", 9, v));                                /* H2O2 */
    CHECK(ty_ec_normalise("200-003-9", 9, v));
    CHECK(ty_ec_normalise("431-520-1", 9, v));  /* ELINCS issued with 1 for remainder 10 */
    CHECK(!ty_ec_normalise("200-005-1", 9, v)); /* remainder 10 outside ELINCS: never issued */
    CHECK(!ty_ec_normalise("201-289-7", 9, v));
    CHECK(!ty_ec_normalise("201-2898", 8, v));
    CHECK(!ty_ec_normalise("201-289-8 ", 10, v));
    CHECK(!ty_ec_normalise("2O1-289-8", 9, v));
    CHECK(!ty_ec_normalise("-", 1, v));
}

/* ------------------------------------------------------------ the reader alone */

typedef struct tally {
    uint64_t rows, rejects, ids, bad_ids, names;
    uint64_t bytes; /* sum of field lengths: equal when every cell came out the same */
    ty_reject first_reject;
} tally;

static ty_err tally_row(void *ctx, const ty_ref_row *row)
{
    tally *t = ctx;
    t->rows++;
    t->ids += row->nids;
    t->bad_ids += row->nbad_ids;
    t->names += row->nnames;
    for (size_t f = 0; f < row->nfields; f++)
        t->bytes += row->len[f] * (f + 1);
    return TY_OK;
}

static ty_err tally_reject(void *ctx, const ty_reject *rej)
{
    tally *t = ctx;
    if (t->rejects++ == 0)
        t->first_reject = *rej;
    return TY_OK;
}

static tally read_all(ty_ref_format f, const char *text, size_t n, size_t chunk)
{
    tally t;
    memset(&t, 0, sizeof t);
    ty_ref_sink sink = {tally_row, tally_reject, &t};
    ty_ref_reader *r;
    CHECK_INT(ty_ref_reader_new(&r, f, &sink), TY_OK);
    ty_err e = TY_OK;
    for (size_t at = 0; at < n && e == TY_OK; at += chunk)
        e = ty_ref_reader_feed(r, text + at, at + chunk <= n ? chunk : n - at);
    CHECK_INT(e, TY_OK);
    CHECK_INT(ty_ref_reader_finish(r), TY_OK);
    ty_ref_reader_free(&r);
    CHECK(r == NULL);
    return t;
}

/* Feeding in small chunks must give exactly what feeding the whole file gives. */
static void test_reader_chunks(void)
{
    static const struct {
        ty_ref_format f;
        const char *file;
        uint64_t rows;
    } files[] = {
        {TY_REF_COSING, "cosing/eu-annex-iii.csv", 770},
        {TY_REF_SAFETY_GATE, "safety-gate/safety_gate_cosmetics.csv", 31},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[4096];
        size_t n;
        data_path(p, sizeof p, files[i].file);
        char *text = slurp(p, &n);
        if (!text)
            continue;
        tally whole = read_all(files[i].f, text, n, n);
        tally small = read_all(files[i].f, text, n, 7);
        CHECK_INT(whole.rows, files[i].rows);
        CHECK_INT(whole.rejects, 0);
        CHECK_INT(small.rows, whole.rows);
        CHECK_INT(small.bytes, whole.bytes);
        CHECK_INT(small.ids, whole.ids);
        CHECK_INT(small.names, whole.names);
        free(text);
    }
}

/* ------------------------------------------------------------ store helpers */

static ty_store *open_store(const char *name)
{
    char db[4096];
    path_in(db, sizeof db, name);
    ty_store_opts o = {db, NULL, 0, 0};
    ty_store *st = NULL;
    char err[256];
    ty_err e = ty_store_open(&st, &o, err, sizeof err);
    if (e != TY_OK)
        fprintf(stderr, "open %s: %s\n", db, err);
    CHECK_INT(e, TY_OK);
    return st;
}

static int64_t count(ty_store *st, const char *table)
{
    int64_t n = -1;
    CHECK_INT(ty_ref_count(st, table, &n), TY_OK);
    return n;
}

static int64_t query(ty_store *st, const char *sql)
{
    int64_t n = -1;
    CHECK_INT(ty_store_query_int(st, sql, &n), TY_OK);
    return n;
}

static ty_ref_report import_data(ty_store *st, ty_ref_format f, const char *rel)
{
    char p[4096];
    data_path(p, sizeof p, rel);
    ty_ref_report rep;
    CHECK_INT(ty_ref_import_path(st, f, p, &rep), TY_OK);
    return rep;
}

static ty_ref_report import_scratch(ty_store *st, ty_ref_format f, const char *name)
{
    char p[4096];
    path_in(p, sizeof p, name);
    ty_ref_report rep;
    CHECK_INT(ty_ref_import_path(st, f, p, &rep), TY_OK);
    return rep;
}

/* Look-up results, flattened for checks. */
typedef struct found {
    int n;
    char annex[8][8], ref_no[8][16], name[8][128], product_types[8][128], max_conc[8][32];
    int has_hair_12; /* an entry condition "Hair products" / "12 %" */
} found;

static ty_err collect(void *ctx, const ty_ref_substance *s)
{
    found *fd = ctx;
    if (strcmp(s->product_types, "Hair products") == 0 && strcmp(s->max_conc, "12 %") == 0)
        fd->has_hair_12 = 1;
    if (fd->n < 8) {
        snprintf(fd->annex[fd->n], sizeof fd->annex[0], "%s", s->annex);
        snprintf(fd->ref_no[fd->n], sizeof fd->ref_no[0], "%s", s->ref_no);
        snprintf(fd->name[fd->n], sizeof fd->name[0], "%s", s->name);
        snprintf(fd->product_types[fd->n], sizeof fd->product_types[0], "%s", s->product_types);
        snprintf(fd->max_conc[fd->n], sizeof fd->max_conc[0], "%s", s->max_conc);
    }
    fd->n++;
    return TY_OK;
}

static ty_err stop_at_first(void *ctx, const ty_ref_substance *s)
{
    (void)s;
    (*(int *)ctx)++;
    return TY_EDUP; /* any non-OK value stops the look-up and comes back */
}

/* ------------------------------------------------------------ CosIng */

static void test_cosing(void)
{
    ty_store *st = open_store("cosing.db");
    if (!st)
        return;

    ty_ref_report r2 = import_data(st, TY_REF_COSING, "cosing/eu-annex-ii.csv");
    CHECK_STR(r2.source, "CosIng Annex II");
    CHECK_INT(r2.rows, 4067); /* data rows, per the data README */
    CHECK_INT(r2.inserted, 4066);
    CHECK_INT(r2.unchanged, 1); /* Hexabromocyclododecane (1546) is listed twice verbatim */
    CHECK_INT(r2.updated, 0);
    CHECK_INT(r2.rejected, 0);
    CHECK_INT(r2.nerrors, 0);

    ty_ref_report r3 = import_data(st, TY_REF_COSING, "cosing/eu-annex-iii.csv");
    CHECK_STR(r3.source, "CosIng Annex III");
    CHECK_INT(r3.rows, 770);
    CHECK_INT(r3.inserted, 768);
    CHECK_INT(r3.unchanged, 2); /* two verbatim repeats (entry 9) */
    CHECK_INT(r3.rejected, 0);

    CHECK_INT(count(st, "ref_substances"), 4066 + 768);
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substances WHERE annex = 'II'"), 4066);
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substances WHERE annex = 'III'"), 768);
    /* one row per valid CAS / EC number per substance row, counted independently */
    CHECK_INT(count(st, "ref_substance_ids"), 8317);
    CHECK_INT(count(st, "ref_substance_names"), 6881);
    /* placeholders and empty cells never reach the ids table */
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substance_ids WHERE value IN ('-', '') "
                        "OR kind NOT IN ('cas', 'ec')"),
              0);
    /* ... but the raw cells stay: "119738-06-6;200509-41-7" on the row, two ids */
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substances WHERE ref_no = '755' AND "
                        "group_cas = '119738-06-6;200509-41-7' AND cas = '119738-06-6'"),
              1);
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substance_ids i JOIN ref_substances s ON "
                        "s.id = i.substance WHERE s.ref_no = '755' AND i.kind = 'cas'"),
              2);
    /* the ELINCS number with check digit 1 for remainder 10 is kept as an id */
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substance_ids WHERE value = '431-520-1'"), 1);
    /* five Annex III rows come without an entry number and are kept (ref_no '') */
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substances WHERE ref_no = ''"), 5);
    /* HTML references of the export are decoded */
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substances WHERE qualifiers = 'pH < 12.7' "
                        "AND name = 'Lithium hydroxide'"),
              1);
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substances WHERE name LIKE '%&#39;%' OR "
                        "warnings LIKE '%&#39;%' OR restrictions LIKE '%&gt;%'"),
              0);

    /* BMHCA, butylphenyl methylpropional: Annex II entry 1666, by CAS and EC */
    found fd;
    memset(&fd, 0, sizeof fd);
    CHECK_INT(ty_ref_substance_by_cas(st, "80-54-6", collect, &fd), TY_OK);
    CHECK_INT(fd.n, 1);
    CHECK_STR(fd.annex[0], "II");
    CHECK_STR(fd.ref_no[0], "1666");
    CHECK_STR(fd.name[0], "2-(4-tert-Butylbenzyl) propionaldehyde");
    CHECK_STR(fd.max_conc[0], "0 %");
    memset(&fd, 0, sizeof fd);
    CHECK_INT(ty_ref_substance_by_ec(st, " 201-289-8 ", collect, &fd), TY_OK);
    CHECK_INT(fd.n, 1);
    CHECK_STR(fd.ref_no[0], "1666");
    memset(&fd, 0, sizeof fd);
    CHECK_INT(ty_ref_substance_by_cas(st, "80-54-5", collect, &fd), TY_EINVAL);   /* bad digit */
    CHECK_INT(ty_ref_substance_by_cas(st, "7732-18-5", collect, &fd), TY_ENOENT); /* water */
    CHECK_INT(ty_ref_substance_by_ec(st, "201-289-7", collect, &fd), TY_EINVAL);
    CHECK_INT(fd.n, 0);

    /* Annex III: hydrogen peroxide, entry 12, one condition per product type */
    memset(&fd, 0, sizeof fd);
    CHECK_INT(ty_ref_substance_by_cas(st, "7722-84-1", collect, &fd), TY_OK);
    CHECK_INT(fd.n, 6);
    CHECK_STR(fd.annex[0], "III");
    CHECK_STR(fd.ref_no[0], "12");
    CHECK(fd.has_hair_12);

    /* names: exact, ASCII case ignored, never a substring */
    memset(&fd, 0, sizeof fd);
    CHECK_INT(ty_ref_substance_by_name(st, "Lead and its compounds", collect, &fd), TY_OK);
    CHECK_INT(fd.n, 1); /* 621 rows of entry 289 make one entry */
    CHECK_STR(fd.ref_no[0], "289");
    CHECK_STR(fd.name[0], "Lead and its compounds");
    memset(&fd, 0, sizeof fd);
    CHECK_INT(ty_ref_substance_by_name(st, "LEAD AND ITS COMPOUNDS", collect, &fd), TY_OK);
    CHECK_INT(fd.n, 1);
    /* "lead" is the name of one compound listed under 289 - and only there: "Lead
     * metaborate" (entry 1396, Borates) or "Lead acetate" are not "lead" */
    memset(&fd, 0, sizeof fd);
    CHECK_INT(ty_ref_substance_by_name(st, "lead", collect, &fd), TY_OK);
    CHECK_INT(fd.n, 1);
    CHECK_STR(fd.annex[0], "II");
    CHECK_STR(fd.ref_no[0], "289");
    memset(&fd, 0, sizeof fd);
    CHECK_INT(ty_ref_substance_by_name(st, "Lead and its", collect, &fd), TY_ENOENT);
    CHECK_INT(ty_ref_substance_by_name(st, "lea", collect, &fd), TY_ENOENT);
    CHECK_INT(ty_ref_substance_by_name(st, "%lead%", collect, &fd), TY_ENOENT);
    CHECK_INT(ty_ref_substance_by_name(st, "  ", collect, &fd), TY_EINVAL);
    /* a synonym inside "Nom" ("(R)-p-Mentha-1,8-diene;d-Limonene") finds its entry */
    memset(&fd, 0, sizeof fd);
    CHECK_INT(ty_ref_substance_by_name(st, "d-limonene", collect, &fd), TY_OK);
    CHECK_INT(fd.n, 1);
    CHECK_STR(fd.annex[0], "III");
    CHECK_STR(fd.ref_no[0], "88");
    /* a callback's error stops the look-up and is returned */
    int calls = 0;
    CHECK_INT(ty_ref_substance_by_cas(st, "7722-84-1", stop_at_first, &calls), TY_EDUP);
    CHECK_INT(calls, 1);

    /* re-import: nothing new, everything unchanged */
    r2 = import_data(st, TY_REF_COSING, "cosing/eu-annex-ii.csv");
    CHECK_INT(r2.rows, 4067);
    CHECK_INT(r2.inserted, 0);
    CHECK_INT(r2.updated, 0);
    CHECK_INT(r2.unchanged, 4067);
    r3 = import_data(st, TY_REF_COSING, "cosing/eu-annex-iii.csv");
    CHECK_INT(r3.inserted, 0);
    CHECK_INT(r3.unchanged, 770);
    CHECK_INT(count(st, "ref_substances"), 4066 + 768);
    CHECK_INT(count(st, "ref_substance_ids"), 8317);
    CHECK_INT(count(st, "ref_substance_names"), 6881);

    /* only the reference tables can be counted */
    int64_t n = 0;
    CHECK_INT(ty_ref_count(st, "events", &n), TY_EINVAL);
    CHECK_INT(ty_ref_count(st, "ref_alerts; DROP TABLE ref_alerts", &n), TY_EINVAL);
    CHECK_INT(ty_ref_count(st, NULL, &n), TY_EINVAL);
    CHECK_INT(ty_ref_import_path(st, TY_REF_COSING, "/nonexistent/annex.csv", &r2), TY_ENOENT);
    ty_store_close(&st);
}

/* A CosIng file with bad rows among good ones: line numbers, fields, reasons. */
static void test_cosing_rejects(void)
{
    ty_store *st = open_store("cosing-bad.db");
    if (!st)
        return;
    static const char text[] =
        "Cosmetic Products Regulation, Annex III - Restricted Substances\n"  /* 1 */
        "Note: Group entries are split in different rows.\n"                 /* 2 */
        "\n"                                                                 /* 3 */
        "\"Name\"\t\"CAS\"\t\"Ref No.\"\t\"Maximum Threshold\"\t\n"          /* 4: header */
        "\"Good one\"\t\"80-54-6\"\t\"1\"\t\"1 %\"\t\n"                      /* 5 */
        "\"\"\t\"7732-18-5\"\t\"2\"\t\"\"\t\n"                               /* 6: no name */
        "\"Too few\"\t\"3\"\t\n"                                             /* 7: columns */
        "\"Bad \xff byte\"\t\"\"\t\"4\"\t\"\"\t\n"                           /* 8: UTF-8 */
        "\"Bad ref\"\t\"\"\t\"four\"\t\"\"\t\n"                              /* 9: ref no */
        "\"Bad \"quote\"\t\"\"\t\"5\"\t\"\"\t\n"                             /* 10: quoting */
        "\"Bad check digit\"\t\"80-54-5\"\t\"6\"\t\"\"\t\n"                  /* 11: kept */
        "\"Two numbers\"\t\"80-54-6; 7732-18-5;-\"\t\"7\"\t\"2 &lt; 3\"\t\n" /* 12 */
        "\"Stray\"\t\"\"\t\"8\"\t\"\"\t\"text\"\n";                          /* 13: no name col */
    char p[4096];
    path_in(p, sizeof p, "bad-annex.tsv");
    write_file(p, text, sizeof text - 1);
    ty_ref_report rep = import_scratch(st, TY_REF_COSING, "bad-annex.tsv");
    CHECK_STR(rep.source, "CosIng Annex III");
    CHECK_INT(rep.rows, 9);
    CHECK_INT(rep.inserted, 3);
    CHECK_INT(rep.rejected, 6);
    CHECK_INT(rep.nerrors, 6);
    static const struct {
        uint64_t line;
        ty_reject_class c;
        const char *field;
        const char *says;
    } want[] = {
        {6, TY_REJ_MISSING, "Name", "empty"},
        {7, TY_REJ_SYNTAX, "", "row has 3 fields; the header has 5"},
        {8, TY_REJ_UTF8, "Name", "UTF-8"},
        {9, TY_REJ_FORMAT, "Ref No.", "\"four\""},
        {10, TY_REJ_SYNTAX, "", "malformed CSV"},
        {13, TY_REJ_SYNTAX, "", "column 5 has no name"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0] && i < rep.nerrors; i++) {
        CHECK_INT(rep.errors[i].line, want[i].line);
        CHECK_INT(rep.errors[i].class_, want[i].c);
        CHECK_STR(rep.errors[i].field, want[i].field);
        CHECK_CONTAINS(rep.errors[i].message, want[i].says);
    }
    CHECK_INT(count(st, "ref_substances"), 3);
    /* the bad check digit is kept in the cell but is no id; line 12 gives two ids */
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substances WHERE cas = '80-54-5'"), 1);
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substance_ids WHERE value = '80-54-5'"), 0);
    CHECK_INT(count(st, "ref_substance_ids"), 3);
    CHECK_INT(query(st, "SELECT count(*) FROM ref_substances WHERE ref_no = '7' AND "
                        "max_conc = '2 < 3'"),
              1);

    /* a file that is neither annex: one clear reject, nothing read */
    static const char annex_v[] = "Cosmetic Products Regulation, Annex V - Preservatives\n"
                                  "\"Name\"\t\"Ref No.\"\n\"X\"\t\"1\"\n";
    path_in(p, sizeof p, "annex-v.tsv");
    write_file(p, annex_v, sizeof annex_v - 1);
    rep = import_scratch(st, TY_REF_COSING, "annex-v.tsv");
    CHECK_INT(rep.rows, 0);
    CHECK_INT(rep.inserted, 0);
    CHECK_INT(rep.rejected, 1);
    CHECK_INT(rep.errors[0].line, 1);
    CHECK_INT(rep.errors[0].class_, TY_REJ_HEADER);
    CHECK_CONTAINS(rep.errors[0].message, "not a CosIng Annex II or Annex III export");
    CHECK_CONTAINS(rep.errors[0].message, "Annex V - Preservatives");

    /* a Safety Gate file given as CosIng is refused the same way */
    char sg[4096];
    data_path(sg, sizeof sg, "safety-gate/safety_gate_cosmetics.csv");
    CHECK_INT(ty_ref_import_path(st, TY_REF_COSING, sg, &rep), TY_OK);
    CHECK_INT(rep.rejected, 1);
    CHECK_INT(rep.errors[0].class_, TY_REJ_HEADER);
    CHECK_INT(rep.inserted, 0);

    /* a header column the reader does not know refuses the file (its data would be lost) */
    static const char unknown_col[] = "Cosmetic Products Regulation, Annex II - Prohibited "
                                      "Substances\n"
                                      "\"Name\"\t\"Ref No.\"\t\"Colour\"\n\"X\"\t\"1\"\t\"red\"\n";
    path_in(p, sizeof p, "unknown-col.tsv");
    write_file(p, unknown_col, sizeof unknown_col - 1);
    rep = import_scratch(st, TY_REF_COSING, "unknown-col.tsv");
    CHECK_INT(rep.rejected, 1);
    CHECK_INT(rep.errors[0].line, 2);
    CHECK_STR(rep.errors[0].field, "Colour");
    CHECK_INT(rep.inserted, 0);

    /* the annex line alone: no header */
    static const char no_header[] = "Cosmetic Products Regulation, Annex II - Prohibited "
                                    "Substances\nExport date: 16/05/2024\n";
    path_in(p, sizeof p, "no-header.tsv");
    write_file(p, no_header, sizeof no_header - 1);
    rep = import_scratch(st, TY_REF_COSING, "no-header.tsv");
    CHECK_INT(rep.rejected, 1);
    CHECK_CONTAINS(rep.errors[0].message, "no header row");
    CHECK_INT(count(st, "ref_substances"), 3);
    ty_store_close(&st);
}

/* ------------------------------------------------------------ Safety Gate */

/* Replaces the first occurrence of from in s (len *n, capacity cap) by to. */
static int replace_once(char *s, size_t *n, size_t cap, const char *from, const char *to)
{
    char *at = strstr(s, from);
    size_t lf = strlen(from), lt = strlen(to);
    if (!at || *n - lf + lt + 1 > cap)
        return 0;
    memmove(at + lt, at + lf, (size_t)(s + *n - (at + lf)) + 1);
    memcpy(at, to, lt);
    *n = *n - lf + lt;
    return 1;
}

static void test_safety_gate(void)
{
    ty_store *st = open_store("alerts.db");
    if (!st)
        return;
    ty_ref_report all =
        import_data(st, TY_REF_SAFETY_GATE, "safety-gate/safety_gate_alerts_all.csv");
    CHECK_STR(all.source, "Safety Gate");
    CHECK_INT(all.rows, 182);
    CHECK_INT(all.inserted, 182);
    CHECK_INT(all.rejected, 0);
    CHECK_INT(count(st, "ref_alerts"), 182);
    CHECK_INT(query(st, "SELECT count(*) FROM ref_alerts WHERE category = 'Cosmetics'"), 31);
    /* every column kept, multi-line cells intact */
    CHECK_INT(query(st, "SELECT count(*) FROM ref_alerts WHERE alert_number = 'A12/00719/24' "
                        "AND product_name = 'Hair dye' AND brand = 'syoss' AND description = "
                        "'BARVA NA VLASY SYOSS 6-27' AND alert_type = 'Consumer' AND "
                        "origin_country = 'Germany' AND risk_type = 'Chemical' AND "
                        "notifying_country = 'Czechia' AND recall_code = 'None' AND "
                        "production_dates = 'None' AND risk_description LIKE '%skin "
                        "sensitisation.' || char(10) || ' The product does not comply%' AND "
                        "measures LIKE 'Type of economic operator%' || char(10) || "
                        "'Category of measure(s): Withdrawal of the product from the market%'"),
              1);
    CHECK_INT(query(st, "SELECT count(*) FROM ref_alerts WHERE length(row_hash) = 64"), 182);

    /* the cosmetics file is a subset with the same content */
    ty_ref_report cos =
        import_data(st, TY_REF_SAFETY_GATE, "safety-gate/safety_gate_cosmetics.csv");
    CHECK_INT(cos.rows, 31);
    CHECK_INT(cos.inserted, 0);
    CHECK_INT(cos.unchanged, 31);
    all = import_data(st, TY_REF_SAFETY_GATE, "safety-gate/safety_gate_alerts_all.csv");
    CHECK_INT(all.unchanged, 182);
    CHECK_INT(all.inserted + all.updated, 0);

    /* an edited copy: exactly one alert updated */
    char p[4096];
    size_t n;
    data_path(p, sizeof p, "safety-gate/safety_gate_cosmetics.csv");
    char *text = slurp(p, &n);
    if (text) {
        size_t cap = n + 64;
        text = realloc(text, cap);
        CHECK(replace_once(text, &n, cap, "FIORILLO 24K", "FIORILLO 24K GOLD"));
        path_in(p, sizeof p, "edited.csv");
        write_file(p, text, n);
        free(text);
        cos = import_scratch(st, TY_REF_SAFETY_GATE, "edited.csv");
        CHECK_INT(cos.rows, 31);
        CHECK_INT(cos.updated, 1);
        CHECK_INT(cos.unchanged, 30);
        CHECK_INT(cos.inserted, 0);
        CHECK_INT(count(st, "ref_alerts"), 182);
        CHECK_INT(query(st, "SELECT count(*) FROM ref_alerts WHERE alert_number = "
                            "'A12/00419/24' AND description = 'FIORILLO 24K GOLD'"),
                  1);
        cos = import_scratch(st, TY_REF_SAFETY_GATE, "edited.csv");
        CHECK_INT(cos.updated, 0);
        CHECK_INT(cos.unchanged, 31);
    }

    /* the same alerts with CRLF line ends (inside quoted cells too) are the same */
    data_path(p, sizeof p, "safety-gate/safety_gate_alerts_all.csv");
    text = slurp(p, &n);
    if (text) {
        char *crlf = malloc(2 * n + 1);
        size_t m = 0;
        for (size_t i = 0; i < n; i++) { /* bare LF -> CRLF (record ends already are CRLF) */
            if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
                crlf[m++] = '\r';
            crlf[m++] = text[i];
        }
        path_in(p, sizeof p, "crlf.csv");
        write_file(p, crlf, m);
        free(crlf);
        free(text);
        all = import_scratch(st, TY_REF_SAFETY_GATE, "crlf.csv");
        CHECK_INT(all.rows, 182);
        CHECK_INT(all.unchanged, 182 - 1); /* the edited alert is back as published */
        CHECK_INT(all.updated, 1);
        CHECK_INT(all.rejected, 0);
    }
    ty_store_close(&st);
}

static void test_safety_gate_rejects(void)
{
    ty_store *st = open_store("alerts-bad.db");
    if (!st)
        return;
    static const char text[] =
        "alert_number,product_name,product_category,brand,product_description,type,"
        "country_of_origin,risk_type,risk_description,measures_authorities,notifying_country,"
        "company_recall_code,production_dates\n" /* 1 */
        "T/1,Soap,Cosmetics,B,D,Consumer,Italy,Chemical,\"two\nlines\",M,Romania,None,None\n" /* 2-3
                                                                                               */
        "T/2,Soap,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None\n"             /* 4 */
        ",Soap,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None,None\n"           /* 5 */
        "T/3,So\xc3\x28p,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None,None\n" /* 6 */
        "T/4,\"Soap\"x,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None,None\n"   /* 7 */
        "T 5,Soap,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None,None\n"        /* 8 */
        "T/6,Soap,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None,None\n"        /* 9 */
        "T/8,So\0ap,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None,None\n"      /* 10 */
        "T/7,Soap,Cosmetics,B,D,Consumer,Italy,Chemical,\"never closed,M,R,N,N\n";      /* 11 */
    char p[4096];
    path_in(p, sizeof p, "bad-alerts.csv");
    write_file(p, text, sizeof text - 1);
    ty_ref_report rep = import_scratch(st, TY_REF_SAFETY_GATE, "bad-alerts.csv");
    CHECK_INT(rep.rows, 9);
    CHECK_INT(rep.inserted, 2); /* T/1 and T/6 */
    CHECK_INT(rep.rejected, 7);
    static const struct {
        uint64_t line;
        ty_reject_class c;
        const char *field;
        const char *says;
    } want[] = {
        {4, TY_REJ_SYNTAX, "", "row has 12 fields; the header has 13"},
        {5, TY_REJ_MISSING, "alert_number", "empty"},
        {6, TY_REJ_UTF8, "product_name", "UTF-8"},
        {7, TY_REJ_SYNTAX, "", "malformed CSV"},
        {8, TY_REJ_FORMAT, "alert_number", "\"T 5\""},
        {10, TY_REJ_FORMAT, "product_name", "NUL byte"},
        {11, TY_REJ_SYNTAX, "", "never closed"},
    };
    CHECK_INT(rep.nerrors, 7);
    for (size_t i = 0; i < sizeof want / sizeof want[0] && i < rep.nerrors; i++) {
        CHECK_INT(rep.errors[i].line, want[i].line);
        CHECK_INT(rep.errors[i].class_, want[i].c);
        CHECK_STR(rep.errors[i].field, want[i].field);
        CHECK_CONTAINS(rep.errors[i].message, want[i].says);
    }
    CHECK_INT(query(st, "SELECT count(*) FROM ref_alerts WHERE alert_number = 'T/1' AND "
                        "risk_description = 'two' || char(10) || 'lines'"),
              1);

    /* a CosIng export given as Safety Gate: refused at its first line */
    char cs[4096];
    data_path(cs, sizeof cs, "cosing/eu-annex-ii.csv");
    CHECK_INT(ty_ref_import_path(st, TY_REF_SAFETY_GATE, cs, &rep), TY_OK);
    CHECK_INT(rep.rows, 0);
    CHECK_INT(rep.rejected, 1);
    CHECK_INT(rep.errors[0].line, 1);
    CHECK_CONTAINS(rep.errors[0].message, "not a Safety Gate alerts CSV");
    CHECK_INT(count(st, "ref_alerts"), 2);
    ty_store_close(&st);
}

/* A failure half-way through an import leaves the tables as they were: the
 * failure is injected with a trigger that aborts on the 100th alert. */
static void test_rollback(void)
{
    ty_store *st = open_store("rollback.db");
    if (!st)
        return;
    char db[4096];
    path_in(db, sizeof db, "rollback.db");
    sqlite3 *raw = NULL;
    CHECK_INT(sqlite3_open(db, &raw), SQLITE_OK);
    CHECK_INT(sqlite3_exec(raw,
                           "CREATE TRIGGER fail_100 BEFORE INSERT ON ref_alerts "
                           "WHEN (SELECT count(*) FROM ref_alerts) >= 99 "
                           "BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
                           NULL, NULL, NULL),
              SQLITE_OK);
    char p[4096];
    data_path(p, sizeof p, "safety-gate/safety_gate_alerts_all.csv");
    ty_ref_report rep;
    ty_err e = ty_ref_import_path(st, TY_REF_SAFETY_GATE, p, &rep);
    CHECK(e != TY_OK);
    CHECK_INT(rep.inserted, 0);
    CHECK_INT(count(st, "ref_alerts"), 0);
    CHECK_INT(sqlite3_exec(raw, "DROP TRIGGER fail_100", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    rep = import_data(st, TY_REF_SAFETY_GATE, "safety-gate/safety_gate_alerts_all.csv");
    CHECK_INT(rep.inserted, 182);
    CHECK_INT(count(st, "ref_alerts"), 182);
    ty_store_close(&st);
}

static void remove_scratch(void)
{
    static const char *const files[] = {
        "cosing.db",     "cosing-bad.db", "alerts.db",      "alerts-bad.db",
        "rollback.db",   "bad-annex.tsv", "annex-v.tsv",    "unknown-col.tsv",
        "no-header.tsv", "edited.csv",    "bad-alerts.csv", "crlf.csv",
    };
    static const char *const suffixes[] = {"", "-wal", "-shm", ".key"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        for (size_t k = 0; k < sizeof suffixes / sizeof suffixes[0]; k++) {
            char p[4096];
            snprintf(p, sizeof p, "%s/%s%s", scratch, files[i], suffixes[k]);
            unlink(p);
        }
    rmdir(scratch);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/test_reference.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(scratch)) {
        perror("mkdtemp");
        return 1;
    }
    test_chem_ids();
    test_reader_chunks();
    test_cosing();
    test_cosing_rejects();
    test_safety_gate();
    test_safety_gate_rejects();
    test_rollback();
    int rc = check_done("test_reference");
    if (rc == 0)
        remove_scratch();
    return rc;
}
