/*
 * fuzz_regulatory.c - libFuzzer target for the regulatory matcher (regulatory.h):
 * any bytes as an ingredient list (split at NUL bytes into elements, and also as
 * one element) and as a brand (first line) and listing title (the rest). The
 * matcher is built once from a small annex and alert file written to a scratch
 * folder. Checks the contract: every finding points into its ingredient and names
 * a known annex and status, no more findings or hits are stored than counted or
 * allowed, evidence is one NUL-terminated line, alert hits found a title word; and
 * that normalisation never writes past its buffer and leaves no empty word. Seed
 * corpus: INCI lists in several separators and scripts, CAS numbers, broken UTF-8.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/engine/regulatory_impl.h"
#include "tianyan/regulatory.h"

static ty_regmatch *m;
static ty_store *st;
static char dir[512];

/* Rows of the real exports' shape: a group entry, BMHCA, an Annex III entry with two
 * conditions, a conditional Annex II entry; one Safety Gate alert. */
static const char annex_ii[] =
    "Cosmetic Products Regulation, Annex II - Prohibited Substances\n"
    "Export date: 16/05/2024 13:23:17\n\n"
    "\"Nom\"\t\"EC No.\"\t\"CAS No.\"\t\"Ref No.\"\t\"Name\"\t\"EC Number\"\t\"CAS\"\t"
    "\"Molecular formula\"\t\"Expressed As\"\t\"Product type, body parts\"\t"
    "\"Maximum Threshold\"\t\"Restriction(s)\"\t\"Notes\"\t\n"
    "\"Lead\"\t\"231-100-4\"\t\"7439-92-1\"\t\"289\"\t\"Lead and its compounds\"\t\"\"\t\"\"\t"
    "\"\"\t\"\"\t\"All cosmetic products\"\t\"0 %\"\t\"\"\t\"\"\t\n"
    "\"Lead acetate\"\t\"239-379-4\"\t\"15347-57-6\"\t\"289\"\t\"Lead and its compounds\"\t"
    "\"\"\t\"\"\t\"\"\t\"\"\t\"All cosmetic products\"\t\"0 %\"\t\"\"\t\"\"\t\n"
    "\"2-(4-tert-Butylbenzyl) propionaldehyde\"\t\"201-289-8\"\t\"80-54-6\"\t\"1666\"\t"
    "\"2-(4-tert-Butylbenzyl) propionaldehyde\"\t\"201-289-8\"\t\"80-54-6\"\t\"\"\t\"\"\t"
    "\"All cosmetic products\"\t\"0 %\"\t\"\"\t\"Applies from 1 March 2022\"\t\n"
    "\"Butane\"\t\"203-448-7\"\t\"106-97-8\"\t\"465\"\t\"Butane\"\t\"203-448-7\"\t\"106-97-8\"\t"
    "\"\"\t\"\"\t\"All cosmetic products\"\t\"0 %\"\t"
    "\"Not permitted if substance contains >= 0.1% (w/w) Butadiene\"\t\"\"\t\n";

static const char annex_iii[] =
    "Cosmetic Products Regulation, Annex III - Restricted Substances\n"
    "Export date: 16/05/2024 18:23:52\n\n"
    "\"Nom\"\t\"EC No.\"\t\"CAS No.\"\t\"Ref No.\"\t\"Name\"\t\"CAS\"\t\"EC Number\"\t"
    "\"Product type, body parts\"\t\"Function(s)\"\t\"Maximum Threshold\"\t"
    "\"Minimum Threshold\"\t\"Restriction(s)\"\t\"Qualifier(s)\"\t\"Expressed As\"\t"
    "\"Warning Label\"\t\"Notes\"\t\n"
    "\"Hydrogen peroxide\"\t\"231-765-0\"\t\"7722-84-1\"\t\"12\"\t\"Hydrogen peroxide\"\t"
    "\"7722-84-1\"\t\"231-765-0\"\t\"Hair products\"\t\"\"\t\"12 %\"\t\"\"\t\"\"\t\"\"\t"
    "\"As H2O2\"\t\"Wear suitable gloves.\"\t\"\"\t\n"
    "\"Hydrogen peroxide\"\t\"231-765-0\"\t\"7722-84-1\"\t\"12\"\t\"Hydrogen peroxide\"\t"
    "\"7722-84-1\"\t\"231-765-0\"\t\"Skin products\"\t\"\"\t\"4 %\"\t\"\"\t\"\"\t\"\"\t"
    "\"As H2O2\"\t\"\"\t\"\"\t\n"
    "\"1,6-Octadien-3-ol, 3,7-dimethyl-\"\t\"201-134-4\"\t\"78-70-6\"\t\"84\"\t"
    "\"1,6-Octadien-3-ol, 3,7-dimethyl-\"\t\"78-70-6\"\t\"201-134-4\"\t"
    "\"All cosmetic products\"\t\"\"\t\"\"\t\"\"\t\"Must be labelled above 0.001 %\"\t\"\"\t"
    "\"\"\t\"\"\t\"\"\t\n";

static const char alerts[] =
    "alert_number,product_name,product_category,brand,product_description,type,"
    "country_of_origin,risk_type,risk_description,measures_authorities,notifying_country,"
    "company_recall_code,production_dates\n"
    "A12/00419/24,Soap,Cosmetics,FIORILLO,FIORILLO 24K,Consumer,Italy,Chemical,"
    "\"Contains BMHCA.\",\"Stop of sales\nRetailer\",Romania,None,None\n"
    "A12/03566/24,Hair gel,Cosmetics,TAFT by Schwarzkopf&Henkel,Power elastic gel,Consumer,"
    "Germany,Chemical,\"Contains BMHCA.\",\"Withdrawal\",Germany,None,None\n";

static void cleanup(void)
{
    ty_regmatch_close(&m);
    ty_store_close(&st);
    static const char *const files[] = {"ref.db",       "ref.db.key", "ref.db-wal", "ref.db-shm",
                                        "ref.db.dedup", "ii.tsv",     "iii.tsv",    "alerts.csv"};
    char p[600];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void put(const char *name, const char *text)
{
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        abort();
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/fuzz_regulatory.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        abort();
    atexit(cleanup);
    put("ii.tsv", annex_ii);
    put("iii.tsv", annex_iii);
    put("alerts.csv", alerts);
    char p[600], err[512];
    snprintf(p, sizeof p, "%s/ref.db", dir);
    ty_store_opts o = {.path = p};
    if (ty_store_open(&st, &o, err, sizeof err) != TY_OK)
        abort();
    static const struct {
        ty_ref_format f;
        const char *name;
    } files[] = {
        {TY_REF_COSING, "ii.tsv"}, {TY_REF_COSING, "iii.tsv"}, {TY_REF_SAFETY_GATE, "alerts.csv"}};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        ty_ref_report rep;
        snprintf(p, sizeof p, "%s/%s", dir, files[i].name);
        if (ty_ref_import_path(st, files[i].f, p, &rep) != TY_OK || rep.rejected || !rep.inserted)
            abort();
    }
    if (ty_regmatch_open(&m, st, TY_DATA_DIR, err, sizeof err) != TY_OK) {
        fprintf(stderr, "fuzz_regulatory: %s\n", err);
        abort();
    }
}

static void check_evidence(const char *s)
{
    size_t n = strnlen(s, TY_REG_EVIDENCE_MAX);
    if (n >= TY_REG_EVIDENCE_MAX || strchr(s, '\n'))
        abort();
}

static void check_result(const ty_reg_result *r, const char *const *el, const size_t *len, size_t n)
{
    if (r->nfindings > TY_REG_FINDINGS_MAX || r->nfindings > r->nfindings_total ||
        r->nprohibited + r->nprohibited_if + r->nrestricted != r->nfindings_total)
        abort();
    for (size_t i = 0; i < r->nfindings; i++) {
        const ty_reg_finding *f = &r->findings[i];
        if (f->ingredient >= n || f->input < el[f->ingredient] ||
            f->input + f->input_len > el[f->ingredient] + len[f->ingredient] || !f->input_len ||
            (strcmp(f->annex, "II") != 0 && strcmp(f->annex, "III") != 0) || f->ncond == 0 ||
            !f->via || (i && f->ingredient < r->findings[i - 1].ingredient) ||
            ty_reg_status_name((int)f->status)[0] == '?')
            abort();
        check_evidence(f->how);
        check_evidence(f->rule);
    }
}

static void check_normalise(const char *s, size_t n)
{
    char out[64 + 1];
    out[64] = 'X';
    for (int spaced = 0; spaced < 2; spaced++) {
        size_t len;
        int cut;
        ty_err e = reg_normalise(s, n, spaced, out, 64, &len, &cut);
        if (out[64] != 'X' || (e != TY_OK && e != TY_EPARSE) || (e == TY_OK && len > 64))
            abort();
        for (size_t i = 0; e == TY_OK && spaced && i < len; i++)
            if (out[i] == ' ' && (i == 0 || i + 1 == len || out[i + 1] == ' '))
                abort(); /* an empty word */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ty_reg_result r;
    static ty_reg_alerts a;
    if (!m)
        setup();
    if (size > TY_REG_TEXT_MAX)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    check_normalise(text, size);

    /* the elements between NUL bytes, and the first element as the whole list */
    const char *el[64];
    size_t len[64], n = 0;
    for (size_t i = 0; i <= size && n < 64;) {
        el[n] = text + i;
        len[n] = strlen(text + i);
        i += len[n] + 1;
        n++;
    }
    if (ty_regmatch_inci(m, el, n, &r) != TY_OK)
        abort();
    check_result(&r, el, len, n);

    /* brand = first line, title = the rest (of the first element) */
    char *nl = strchr(text, '\n');
    const char *title = "";
    if (nl) {
        *nl = '\0';
        title = nl + 1;
    }
    ty_err e = ty_regmatch_alert(m, text, title, NULL, &a);
    if (e == TY_OK) {
        if (a.nhits > TY_REG_ALERTS_MAX || a.nhits > a.nhits_total)
            abort();
        for (size_t i = 0; i < a.nhits; i++) {
            if (a.hits[i].nwords == 0 || a.hits[i].nwords > a.hits[i].nsignificant ||
                (i && a.hits[i].nwords > a.hits[i - 1].nwords))
                abort();
            check_evidence(a.hits[i].evidence);
        }
    } else if (e != TY_EPARSE && e != TY_ELIMIT) {
        abort();
    }
    free(text);
    return 0;
}
