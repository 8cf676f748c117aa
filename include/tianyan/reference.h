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
 *
 * Source keys: a Safety Gate alert is keyed by its alert number, so a changed
 * alert is updated in place. A CosIng row has no natural key (a group entry
 * spans many rows, an entry with several conditions repeats its number), so it
 * is identified by a hash of its normalised content (row_hash, BLAKE2b-256): an
 * export row that changed arrives as a new row, and rows that a newer export no
 * longer has are not removed (the import adds; it does not mirror).
 *
 * The files are read by the readers of refcodec.h; bad rows are rejected with
 * their line, field and reason, and never stop the good rows.
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

/*
 * Imports a file ("-" for standard input) into the reference tables, in one
 * transaction: on any failure nothing is written. Fills *rep. Returns TY_OK when
 * the file was read to its end, even if rows (or the whole file, when it is not of
 * format f) were rejected: the reasons are in rep->errors (the first 20) and
 * rep->rejected counts them. TY_ENOENT / TY_EIO when the file cannot be read;
 * store errors (TY_ESTORE, TY_EBUSY, ...) as they come, with ty_store_errmsg().
 * On failure inserted, updated and unchanged are zero: nothing was written.
 */
ty_err ty_ref_import_path(ty_store *st, ty_ref_format f, const char *path, ty_ref_report *rep);

/* A number that changes whenever an import changes the reference tables (0
 * before any): holders of a matcher built from them compare it to rebuild. */
ty_err ty_ref_version(ty_store *st, int64_t *version);

/* Count of rows in a reference table, for tools and tests: table is one of
 * "ref_substances", "ref_substance_ids", "ref_substance_names", "ref_alerts"
 * (TY_EINVAL for any other name). */
ty_err ty_ref_count(ty_store *st, const char *table, int64_t *n);

/*
 * One condition of an annex entry, as found by a look-up. Texts are valid only
 * during the callback; "" where the annex gives nothing.
 */
typedef struct ty_ref_substance {
    const char *annex;         /* "II" (prohibited) or "III" (restricted) */
    const char *ref_no;        /* entry number ("1666", "15b"); "" when the export gives none */
    const char *name;          /* name of the entry ("Lead and its compounds") */
    const char *cas, *ec;      /* of the entry; "" for most group entries */
    const char *product_types; /* "All cosmetic products", "Hair products", ... */
    const char *max_conc;      /* "0 %" for Annex II; Annex III limit ("12 %") */
    const char *min_conc;
    const char *restrictions; /* conditions of use */
    const char *warnings;     /* wording of the warnings the label must carry */
    const char *notes;
} ty_ref_substance;

/* Called once per match; returning anything but TY_OK stops the look-up, which
 * then returns that value. */
typedef ty_err (*ty_ref_substance_fn)(void *ctx, const ty_ref_substance *s);

/*
 * Annex II / III entries listing a substance by CAS number ("80-54-6"; leading
 * zeros are ignored), either as the entry's number or as the number of a compound
 * listed under it. fn is called once per distinct entry condition (a group entry
 * listing the number under several compounds comes once; an Annex III entry with
 * conditions per product type comes once per condition), ordered by annex and
 * entry number. Returns TY_ENOENT when no entry lists the number and TY_EINVAL
 * when cas is not a valid CAS number (its check digit fails): an unreadable number
 * says nothing about whether a substance is regulated.
 */
ty_err ty_ref_substance_by_cas(ty_store *st, const char *cas, ty_ref_substance_fn fn, void *ctx);

/* The same by EC number ("201-289-8"). */
ty_err ty_ref_substance_by_ec(ty_store *st, const char *ec, ty_ref_substance_fn fn, void *ctx);

/*
 * The same by name: entries whose name, the name of a compound listed under them,
 * or one of that compound's ";"-separated synonyms ("d-Limonene", "CI 42520")
 * equals name exactly, ignoring ASCII case and surrounding white space. Never a
 * substring match: "lead" finds Annex II entry 289 ("Lead and its compounds")
 * only because that entry lists a compound named exactly "Lead", and "Lead and
 * its" finds nothing. TY_EINVAL for an empty name.
 */
ty_err ty_ref_substance_by_name(ty_store *st, const char *name, ty_ref_substance_fn fn, void *ctx);

#endif
