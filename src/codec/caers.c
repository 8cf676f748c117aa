/*
 * caers.c - importer for the US FDA CAERS adverse-event export (CSV), turning
 * its cosmetics reports into exchange-spec adverse_event records.
 *
 * One report may span several consecutive rows (one per product); they become
 * one record with one entry in `products` per distinct product, and the union
 * of the reactions. Names are kept exactly as reported ("REDACTED" included);
 * reactions are the MedDRA terms CAERS codes. CAERS dates have no time of day;
 * the record time is the report's creation date at 00:00 UTC. Columns are found
 * by their header names, so their order does not matter.
 *
 * Outcome mapping (CAERS term -> spec outcome) follows the CAERS outcome list;
 * seriousness is "serious" when any outcome is one of the serious ones, in line
 * with the serious-undesirable-effect definition of Regulation (EC) 1223/2009.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "csvrows.h"
#include "decoder_impl.h"
#include "tianyan/hashidx.h"
#include "tianyan/timeutil.h"

enum {
    C_REPORT,
    C_CREATED,
    C_START,
    C_ROLE,
    C_NAME,
    C_AGE,
    C_AGE_UNIT,
    C_GENDER,
    C_OUTCOMES,
    C_SYMPTOMS,
    C__COUNT
};

static const char *const col_names[C__COUNT] = {
    "RA_Report #",
    "RA_CAERS Created Date",
    "AEC_Event Start Date",
    "PRI_Product Role",
    "PRI_Reported Brand/Product Name",
    "CI_Age at Adverse Event",
    "CI_Age Unit",
    "CI_Gender",
    "AEC_One Row Outcomes",
    "SYM_One Row Coded Symptoms",
};

static const struct {
    const char *caers;
    const char *outcome; /* NULL: no outcome of its own */
    int serious;
} outcome_map[] = {
    {"NON-SERIOUS INJURIES/ ILLNESS", NULL, 0},
    {"VISITED A HEALTH CARE PROVIDER", "medical_visit", 0},
    {"VISITED AN ER", "emergency_visit", 0},
    {"HOSPITALIZATION", "hospitalisation", 1},
    {"REQ. INTERVENTION TO PRVNT PERM. IMPRMNT.", "intervention_required", 1},
    {"LIFE THREATENING", "life_threatening", 1},
    {"DISABILITY", "disability", 1},
    {"DEATH", "death", 1},
    {"CONGENITAL ANOMALY", "congenital_anomaly", 1},
    {"OTHER SERIOUS (IMPORTANT MEDICAL EVENTS)", "other_serious", 1},
    {"SERIOUS INJURIES/ ILLNESS", "other_serious", 1},
    {"NONE", "none", 0},
};

#define GROUP_ROWS_MAX 20
#define GROUPS_TRACKED 1000000 /* report numbers remembered per file (at most 32 MiB) */

typedef struct caers {
    ty_decoder *d;
    csv_rows rows;
    int have_header;
    int header_ok;
    int col[C__COUNT];
    /* the report being gathered */
    int open;
    uint64_t line;
    ty_buf cells; /* copies of the group's rows: C__COUNT NUL-terminated cells per row */
    uint32_t off[GROUP_ROWS_MAX][C__COUNT];
    size_t nrows;
    int overflow;      /* too many rows or too much text: rejected when it closes */
    int bad;           /* one of its rows was rejected: dropped silently when it closes */
    ty_hashidx closed; /* hash of report number -> first line, of reports already closed */
    int tracking;
    unsigned char key[crypto_shorthash_KEYBYTES];
} caers;

static const char *cell(caers *c, size_t r, int k)
{
    return c->cells.data + c->off[r][k];
}

/* "1/22/2004" -> "2004-01-22" */
static int us_date(const char *s, char out[11])
{
    unsigned m, d, y;
    char tail;
    if (sscanf(s, "%u/%u/%u%c", &m, &d, &y, &tail) != 3 || y < 1900 || y > 2100 || m < 1 ||
        m > 12 || d < 1 || d > 31)
        return 0;
    snprintf(out, 11, "%04u-%02u-%02u", y, m, d);
    int32_t days;
    return ty_date_parse(out, 10, &days, NULL) == TY_OK;
}

static const char *age_band(const char *age, const char *unit)
{
    /* digits with at most one decimal point: strtod alone would take "nan", "inf", hex */
    if (!age[0] || strspn(age, "0123456789.") != strlen(age) ||
        strchr(age, '.') != strrchr(age, '.'))
        return NULL;
    char *end;
    double a = strtod(age, &end);
    if (*end || a < 0)
        return NULL;
    if (strncmp(unit, "Month", 5) == 0)
        a /= 12;
    else if (strncmp(unit, "Week", 4) == 0)
        a /= 52;
    else if (strncmp(unit, "Day", 3) == 0)
        a /= 365;
    else if (strncmp(unit, "Year", 4) != 0)
        return NULL;
    return a < 3    ? "0-2"
           : a < 12 ? "3-11"
           : a < 18 ? "12-17"
           : a < 30 ? "18-29"
           : a < 45 ? "30-44"
           : a < 65 ? "45-64"
                    : "65+";
}

static ty_err push_text(ty_decoder *d, const char *key, const char *v)
{
    uint32_t idx;
    return raw_push(&d->raw, RAW_TEXT, key, key ? strlen(key) : 0, v, strlen(v), &idx);
}

/* Calls fn for each ", "-separated item of s that is not already in seen (a "\n"-joined list). */
static ty_err push_split_unique(ty_decoder *d, const char *s, ty_buf *seen)
{
    const char *p = s;
    while (*p) {
        const char *q = strstr(p, ", ");
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n) {
            char item[256];
            if (n >= sizeof item)
                n = sizeof item - 1;
            memcpy(item, p, n);
            item[n] = '\0';
            char probe[260];
            snprintf(probe, sizeof probe, "\n%s\n", item);
            if (!strstr(ty_buf_cstr(seen), probe)) {
                TY_TRY(ty_buf_printf(seen, "%s\n", item));
                TY_TRY(push_text(d, NULL, item));
            }
        }
        if (!q)
            break;
        p = q + 2;
    }
    return TY_OK;
}

static ty_err build(caers *c)
{
    ty_decoder *d = c->d;
    char date[11];
    if (!us_date(cell(c, 0, C_CREATED), date))
        return dec_rejectf(d, c->line, TY_REJ_FORMAT, col_names[C_CREATED],
                           "expected a date M/D/YYYY, got \"%.40s\"", cell(c, 0, C_CREATED));
    raw_reset(&d->raw);
    uint32_t root, arr, obj;
    TY_TRY(raw_push(&d->raw, RAW_OBJECT, NULL, 0, NULL, 0, &root));
    TY_TRY(push_text(d, "spec_version", TY_SPEC_VERSION));
    TY_TRY(push_text(d, "type", "adverse_event"));
    TY_TRY(push_text(d, "id", cell(c, 0, C_REPORT)));
    char when[32];
    snprintf(when, sizeof when, "%sT00:00:00Z", date);
    TY_TRY(push_text(d, "time", when));

    TY_TRY(raw_push(&d->raw, RAW_ARRAY, "products", 8, NULL, 0, &arr));
    for (size_t r = 0; r < c->nrows; r++) {
        int dup = 0;
        for (size_t k = 0; k < r && !dup; k++)
            dup = strcmp(cell(c, k, C_NAME), cell(c, r, C_NAME)) == 0 &&
                  strcmp(cell(c, k, C_ROLE), cell(c, r, C_ROLE)) == 0;
        if (dup)
            continue;
        TY_TRY(raw_push(&d->raw, RAW_OBJECT, NULL, 0, NULL, 0, &obj));
        if (cell(c, r, C_NAME)[0])
            TY_TRY(push_text(d, "name", cell(c, r, C_NAME)));
        const char *role = cell(c, r, C_ROLE);
        if (strcmp(role, "Suspect") == 0)
            TY_TRY(push_text(d, "role", "suspect"));
        else if (strcmp(role, "Concomitant") == 0)
            TY_TRY(push_text(d, "role", "concomitant"));
        raw_close(&d->raw, obj);
    }
    raw_close(&d->raw, arr);

    ty_buf seen;
    ty_buf_init(&seen, 65536);
    ty_err e = ty_buf_putc(&seen, '\n');
    if (e == TY_OK)
        e = raw_push(&d->raw, RAW_ARRAY, "reactions", 9, NULL, 0, &arr);
    for (size_t r = 0; r < c->nrows && e == TY_OK; r++)
        e = push_split_unique(d, cell(c, r, C_SYMPTOMS), &seen);
    raw_close(&d->raw, arr);

    /* outcomes and seriousness from the first row (CAERS repeats them per row) */
    int serious = 0;
    ty_buf_reset(&seen);
    if (e == TY_OK)
        e = ty_buf_putc(&seen, '\n');
    /* the array token is pushed first and dropped again if no outcome maps to one */
    uint32_t ntok_before = d->raw.ntok;
    size_t outcomes = 0;
    if (e == TY_OK)
        e = raw_push(&d->raw, RAW_ARRAY, "outcomes", 8, NULL, 0, &arr);
    const char *p = cell(c, 0, C_OUTCOMES);
    while (e == TY_OK && *p) {
        const char *q = strstr(p, ", ");
        size_t n = q ? (size_t)(q - p) : strlen(p);
        const char *mapped = "unknown";
        for (size_t k = 0; k < sizeof outcome_map / sizeof outcome_map[0]; k++)
            if (strlen(outcome_map[k].caers) == n && memcmp(outcome_map[k].caers, p, n) == 0) {
                mapped = outcome_map[k].outcome;
                serious |= outcome_map[k].serious;
                break;
            }
        if (mapped) {
            char probe[64];
            snprintf(probe, sizeof probe, "\n%s\n", mapped);
            if (!strstr(ty_buf_cstr(&seen), probe)) {
                e = ty_buf_printf(&seen, "%s\n", mapped);
                if (e == TY_OK)
                    e = push_text(d, NULL, mapped);
                outcomes++;
            }
        }
        if (!q)
            break;
        p = q + 2;
    }
    raw_close(&d->raw, arr);
    if (e == TY_OK && outcomes == 0)
        d->raw.ntok = ntok_before; /* no outcome of its own: leave the field out */
    ty_buf_free(&seen);
    if (e == TY_ELIMIT)
        return dec_rejectf(d, c->line, TY_REJ_TOO_LONG, "", "report is too large");
    TY_TRY(e);
    TY_TRY(push_text(d, "seriousness", serious ? "serious" : "non_serious"));
    const char *band = age_band(cell(c, 0, C_AGE), cell(c, 0, C_AGE_UNIT));
    if (band)
        TY_TRY(push_text(d, "age_band", band));
    const char *g = cell(c, 0, C_GENDER);
    TY_TRY(push_text(d, "sex",
                     strcmp(g, "Female") == 0 ? "female"
                     : strcmp(g, "Male") == 0 ? "male"
                                              : "unknown"));
    if (cell(c, 0, C_START)[0]) {
        if (!us_date(cell(c, 0, C_START), date))
            return dec_rejectf(d, c->line, TY_REJ_FORMAT, col_names[C_START],
                               "expected a date M/D/YYYY, got \"%.40s\"", cell(c, 0, C_START));
        TY_TRY(push_text(d, "onset", date));
    }
    raw_close(&d->raw, root);
    return dec_emit(d, c->line);
}

/* Keyed hash of a report number (see the CSV decoder's group check). */
static uint64_t report_hash(const caers *c, const char *report)
{
    unsigned char h[8];
    crypto_shorthash(h, (const unsigned char *)report, strlen(report), c->key);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)h[i] << (8 * i);
    return v;
}

static ty_err flush(caers *c)
{
    if (!c->open)
        return TY_OK;
    c->open = 0;
    ty_err e = TY_OK;
    if (c->nrows && c->tracking && c->closed.count < GROUPS_TRACKED)
        e = ty_hashidx_insert(&c->closed, report_hash(c, cell(c, 0, C_REPORT)), (int64_t)c->line);
    if (e == TY_OK && c->overflow)
        e = dec_rejectf(c->d, c->line, TY_REJ_TOO_LONG, "", "report spans more than %d rows",
                        GROUP_ROWS_MAX);
    else if (e == TY_OK && !c->bad && c->nrows)
        e = build(c);
    ty_buf_reset(&c->cells);
    c->nrows = 0;
    c->overflow = 0;
    c->bad = 0;
    return e;
}

/* A row that cannot be read while a report's rows are being gathered may be one
 * of them: the report is dropped with it rather than stored without it. */
static ty_err reject_row(caers *c, uint64_t line, ty_reject_class cls, const char *why)
{
    if (c->open && !c->bad && !c->overflow) {
        c->bad = 1;
        return dec_rejectf(c->d, line, cls, "",
                           "%s; the report that starts at line %llu is dropped with it (send it "
                           "again whole)",
                           why, (unsigned long long)c->line);
    }
    return dec_rejectf(c->d, line, cls, "", "%s", why);
}

static ty_err on_row(void *ctx, const csv_row *row)
{
    caers *c = ctx;
    if (!c->have_header) {
        c->have_header = 1;
        for (int k = 0; k < C__COUNT; k++) {
            c->col[k] = -1;
            for (size_t i = 0; i < row->n; i++)
                if (strlen(col_names[k]) == row->len[i] &&
                    memcmp(col_names[k], row->cell[i], row->len[i]) == 0)
                    c->col[k] = (int)i;
            if (c->col[k] < 0)
                return dec_rejectf(c->d, row->line, TY_REJ_HEADER, col_names[k],
                                   "column missing from the CAERS header");
        }
        c->header_ok = 1;
        return TY_OK;
    }
    if (!c->header_ok)
        return dec_rejectf(c->d, row->line, TY_REJ_HEADER, "", "no usable CAERS header");
    int maxcol = 0;
    for (int k = 0; k < C__COUNT; k++)
        if (c->col[k] > maxcol)
            maxcol = c->col[k];
    if ((int)row->n <= maxcol) {
        char why[96];
        snprintf(why, sizeof why, "row has %zu fields, expected %d or more", row->n, maxcol + 1);
        return reject_row(c, row->line, TY_REJ_SYNTAX, why);
    }
    const char *report = row->cell[c->col[C_REPORT]];
    if (c->open && (c->nrows == 0 || strcmp(report, cell(c, 0, C_REPORT)) != 0))
        TY_TRY(flush(c));
    if (!c->open) {
        /* the rows of one report are consecutive: a report seen before would become a
         * second record with the same id, i.e. a duplicate, and its rows would be lost */
        uint64_t pos = UINT64_MAX;
        int64_t first;
        if (c->tracking && ty_hashidx_next(&c->closed, report_hash(c, report), &pos, &first))
            return dec_rejectf(c->d, row->line, TY_REJ_RULE, col_names[C_REPORT],
                               "report %.40s already ended (its rows start at line %lld); the "
                               "rows of one report must be consecutive",
                               report, (long long)first);
        c->open = 1;
        c->line = row->line;
    }
    if (c->nrows == GROUP_ROWS_MAX) {
        c->overflow = 1;
        return TY_OK;
    }
    for (int k = 0; k < C__COUNT; k++) {
        c->off[c->nrows][k] = (uint32_t)c->cells.len;
        size_t i = (size_t)c->col[k];
        ty_err e = ty_buf_append(&c->cells, row->cell[i], row->len[i]);
        if (e == TY_OK)
            e = ty_buf_putc(&c->cells, '\0');
        if (e == TY_ELIMIT) {
            c->overflow = 1;
            return TY_OK;
        }
        TY_TRY(e);
    }
    c->nrows++;
    return TY_OK;
}

static ty_err on_error(void *ctx, uint64_t line, ty_reject_class cls, int col, const char *msg)
{
    caers *c = ctx;
    (void)col;
    return reject_row(c, line, cls, msg);
}

static ty_err caers_init(ty_decoder *d)
{
    caers *c = calloc(1, sizeof *c);
    if (!c)
        return TY_ENOMEM;
    c->d = d;
    d->impl = c;
    c->tracking = ty_hashidx_init(&c->closed, 0) == TY_OK;
    randombytes_buf(c->key, sizeof c->key);
    ty_buf_init(&c->cells, d->lim.max_line * 4 + 4096);
    return csv_rows_init(&c->rows, ',', d->lim.max_line * 2 + 4096, c, on_row, on_error);
}

static ty_err caers_line(ty_decoder *d, const char *s, size_t n, uint64_t lineno)
{
    caers *c = d->impl;
    return csv_rows_line(&c->rows, s, n, lineno);
}

static ty_err caers_finish(ty_decoder *d)
{
    caers *c = d->impl;
    TY_TRY(csv_rows_finish(&c->rows));
    return flush(c);
}

static void caers_free(ty_decoder *d)
{
    caers *c = d->impl;
    if (!c)
        return;
    csv_rows_free(&c->rows);
    ty_buf_free(&c->cells);
    if (c->tracking)
        ty_hashidx_free(&c->closed);
    free(c);
    d->impl = NULL;
}

static ty_err caers_skipped(ty_decoder *d)
{
    caers *c = d->impl;
    uint64_t line;
    TY_TRY(csv_rows_abort(&c->rows, &line));
    if (line)
        return reject_row(c, line, TY_REJ_TOO_LONG,
                          "row dropped: it continues on a line that is too long");
    if (c->open && !c->bad && !c->overflow) {
        c->bad = 1; /* the too-long line may be one of its rows */
        return dec_rejectf(d, c->line, TY_REJ_RULE, "",
                           "report dropped: a line within or after its rows is too long (send "
                           "it again whole)");
    }
    return TY_OK;
}

const decoder_ops ty_caers_ops = {caers_init, caers_line, caers_finish, caers_free, caers_skipped};
