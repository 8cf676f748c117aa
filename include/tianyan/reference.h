/*
 * reference.h - reference tables imported from public regulatory data:
 *
 *  - EU CosIng export of Cosmetics Regulation (EC) No 1223/2009 Annex II
 *    (prohibited substances) and Annex III (restricted substances): names,
 *    CAS and EC numbers, conditions of use (table ref_substances, with one row
 *    per CAS / EC number in ref_substance_ids for exact look-ups);
 *  - EU Safety Gate (RAPEX) alerts: alert number, product, brand, category,
 *    origin, risk, measures (table ref_alerts).
 *
 * Imports are idempotent: a row already present (same source key) is counted
 * as unchanged, a changed row is updated, so re-importing a file changes nothing.
 * Each import runs in one transaction.
 */
#ifndef TIANYAN_REFERENCE_H
#define TIANYAN_REFERENCE_H

#include <stdint.h>

#include "tianyan/record.h"
#include "tianyan/store.h"

typedef enum {
    TY_REF_COSING = 1,  /* CosIng Annex II or III export (the annex is read from the file) */
    TY_REF_SAFETY_GATE, /* Safety Gate alerts CSV */
} ty_ref_format;

/* "cosing" / "safety-gate" -> format; returns 0 when the name is not a reference format. */
int ty_ref_format_parse(const char *name, ty_ref_format *f);

typedef struct ty_ref_report {
    uint64_t rows;      /* data rows read */
    uint64_t inserted;  /* new reference rows */
    uint64_t updated;   /* rows whose content changed */
    uint64_t unchanged; /* rows already present as they are */
    uint64_t rejected;
    char source[64]; /* what was imported: "CosIng Annex II", "Safety Gate" */
    ty_reject errors[20];
    size_t nerrors;
} ty_ref_report;

/* Imports a file into the reference tables. */
ty_err ty_ref_import_path(ty_store *st, ty_ref_format f, const char *path, ty_ref_report *rep);

/* Count of rows in a reference table ("ref_substances", "ref_alerts"), for tools and tests. */
ty_err ty_ref_count(ty_store *st, const char *table, int64_t *n);

#endif
