/*
 * refscan.h - reading the reference tables (reference.h) whole, in one read
 * transaction, for in-memory matchers such as the regulatory matcher
 * (regulatory.h). Code: src/store/refscan.c.
 */
#ifndef TIANYAN_REFSCAN_H
#define TIANYAN_REFSCAN_H

#include <stdint.h>

#include "tianyan/error.h"
#include "tianyan/refcodec.h"
#include "tianyan/reference.h"
#include "tianyan/store.h"

/* One row of ref_substances. Texts are valid during the callback; "" when empty. */
typedef struct ty_ref_substance_row {
    int64_t id;
    ty_ref_substance s;       /* the entry's columns, as the look-ups give them */
    const char *listed;       /* "Nom": the substance this row lists */
    const char *listed_cas;   /* its CAS number(s) */
    const char *expressed_as; /* "Expressed As" */
} ty_ref_substance_row;

/* One Safety Gate alert: texts by ty_alert_field, valid during the callback. */
typedef struct ty_ref_alert {
    const char *field[TY_SG__COUNT];
} ty_ref_alert;

/* Callbacks of ty_ref_scan(); any may be NULL. Returning anything but TY_OK stops
 * the scan, which returns that value. */
typedef struct ty_ref_scan_sink {
    ty_err (*substance)(void *ctx, const ty_ref_substance_row *r);  /* by id */
    ty_err (*name)(void *ctx, int64_t substance, const char *name); /* ref_substance_names */
    ty_err (*cas)(void *ctx, int64_t substance, const char *cas);   /* CAS rows of the ids */
    ty_err (*alert)(void *ctx, const ty_ref_alert *a);              /* by alert number */
    void *ctx;
} ty_ref_scan_sink;

/*
 * Hands every row of the reference tables to the sink: all substances (ordered by
 * id), then all names, all CAS numbers, all alerts, inside one read transaction (or
 * in the caller's transaction when one is open), so the rows are consistent with
 * each other. Store errors as they come.
 */
ty_err ty_ref_scan(ty_store *st, const ty_ref_scan_sink *sink);

#endif
