/*
 * ingest.h - the ingest pipeline: feed bytes of one platform submission,
 * decode and validate them, store each valid event exactly once, and report
 * accepted / duplicate / rejected counts with the reason for every reject.
 *
 * Group commit: events are written inside a store transaction that is
 * committed every batch_events records and at the end. Counts in a report
 * cover committed work only, so "accepted" always means "on disk". If the
 * process dies, everything after the last commit is simply not acknowledged;
 * sending the same input again stores each event once.
 *
 * The same pipeline serves the CLI (files) and, later, the HTTP server
 * (request bodies): ty_ingest_feed() takes chunks of any size.
 */
#ifndef TIANYAN_INGEST_H
#define TIANYAN_INGEST_H

#include <stdint.h>

#include "tianyan/codec.h"
#include "tianyan/store.h"

typedef struct ty_ingest_report {
    uint64_t accepted;  /* new events, committed */
    uint64_t duplicate; /* already stored (same platform, type, id) */
    uint64_t rejected;  /* lines or row groups refused; see errors */
    uint64_t lines;     /* input lines read */
    uint64_t commits;   /* transactions committed */
    uint64_t by_class[TY_REJ__COUNT];
    int64_t batch;      /* ingest_batches row of this submission */
    ty_reject *errors;  /* the first max_errors rejects, in input order */
    size_t nerrors;
} ty_ingest_report;

typedef struct ty_ingest_opts {
    const char *platform; /* platform code; created when missing */
    ty_format format;
    const char *source;   /* shown in the batch record (file name, request id) */
    size_t batch_events;  /* records per commit; 0 means 10000 */
    size_t max_errors;    /* rejects kept in the report; 0 means 100 */
    const ty_codec_limits *limits; /* NULL for defaults */
    /* Called after each commit with the running totals (may be NULL). */
    void (*on_commit)(void *ctx, const ty_ingest_report *rep);
    void *ctx;
} ty_ingest_opts;

typedef struct ty_ingest ty_ingest;

ty_err ty_ingest_begin(ty_ingest **ig, ty_store *st, const ty_ingest_opts *o);
ty_err ty_ingest_feed(ty_ingest *ig, const void *bytes, size_t n);
/* Ends the input and commits. On error nothing after the last commit is acknowledged. */
ty_err ty_ingest_end(ty_ingest *ig);
/* The running report (committed counts). Valid until ty_ingest_free(). */
const ty_ingest_report *ty_ingest_report_of(const ty_ingest *ig);
void ty_ingest_free(ty_ingest **ig);

/* Convenience: ingests one file ("-" for standard input). rep->errors is
 * malloc'd; release it with ty_ingest_report_free(). */
ty_err ty_ingest_path(ty_store *st, const ty_ingest_opts *o, const char *path,
                      ty_ingest_report *rep);
void ty_ingest_report_free(ty_ingest_report *rep);

#endif
