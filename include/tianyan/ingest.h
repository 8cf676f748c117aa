/*
 * ingest.h - the ingest pipeline: decode and validate platform submissions,
 * store each valid event exactly once, and report accepted / duplicate /
 * rejected counts with the reason for every reject.
 *
 * Two halves on two threads:
 *  - the writer (ty_writer) is the one thread that writes to a store. It takes
 *    prepared rows from a bounded queue, checks each against the exactly-once
 *    index, inserts it, and commits in groups: after commit_events items, or
 *    when the queue has been idle for commit_ms. A full queue blocks producers
 *    (back-pressure, never silent loss).
 *  - a submission (one file, one HTTP request body) is fed on the caller's
 *    thread: decoding, validation, canonical JSON and pseudonymisation happen
 *    there, so parsing one submission overlaps with writing the previous rows.
 *
 * Durable before acknowledged: a submission's counts move from pending to
 * committed only when the transaction holding its rows has committed
 * (synchronous=FULL). ty_submission_close() returns after everything it
 * submitted is on disk. A crash loses only unacknowledged rows; sending the
 * same input again stores each event once.
 */
#ifndef TIANYAN_INGEST_H
#define TIANYAN_INGEST_H

#include <stdint.h>

#include "tianyan/codec.h"
#include "tianyan/store.h"

typedef struct ty_ingest_report {
    uint64_t accepted;  /* new events, committed */
    uint64_t duplicate; /* already stored (same platform, type, id), committed */
    uint64_t conflicts; /* of the duplicates, those whose content differed from the stored
                           event (listed in errors as conflicting_duplicate) */
    uint64_t rejected;  /* lines or row groups refused; see errors */
    uint64_t lines;     /* input lines read */
    uint64_t commits;   /* transactions that carried rows of this submission */
    uint64_t by_class[TY_REJ__COUNT];
    int64_t batch;     /* ingest_batches row of this submission */
    ty_reject *errors; /* the first max_errors rejects, in input order (malloc'd) */
    size_t nerrors;
} ty_ingest_report;

/* Releases rep->errors. */
void ty_ingest_report_free(ty_ingest_report *rep);

/* ---- the writer ---- */

typedef struct ty_writer ty_writer;

typedef struct ty_writer_opts {
    size_t commit_events; /* items per commit at most; 0 means 10000 */
    int commit_ms;        /* commit an idle group after this long; 0 means 20 */
    size_t queue_chunks;  /* chunks (of up to 512 rows, 256 KiB of text) queued before producers
                             wait; 0 means 256 (at most ~64 MiB held). A deeper queue lets
                             decoding run on while the writer waits for a commit's fsync. */
} ty_writer_opts;

/* Starts the writer thread. While it runs, the store must not be written by
 * anyone else in this process (reads through other connections are fine). */
ty_err ty_writer_start(ty_writer **w, ty_store *st, const ty_writer_opts *o);

/*
 * Runs fn(st, ctx) on the writer thread, inside a savepoint of its open
 * transaction (or a transaction of its own), between two groups of events, then
 * commits, and returns fn's result once that is durable. This is how another
 * thread of the process writes to the store (the risk engine's warnings): it
 * never waits for SQLite's write lock, and ingest keeps going around it. When
 * fn fails its writes are rolled back and the events around it are not
 * affected. TY_EBUSY when the writer is stopping.
 */
ty_err ty_writer_call(ty_writer *w, ty_err (*fn)(ty_store *st, void *ctx), void *ctx);

/* Commits what is queued, stops the thread and frees the writer. All
 * submissions must be closed first. Returns the last store error, if any. */
ty_err ty_writer_stop(ty_writer **w);

/* Chunks queued for the writer now (*capacity: the queue's bound), so that a
 * server can refuse new work with "retry later" before producers would wait. */
size_t ty_writer_backlog(ty_writer *w, size_t *capacity);

/* ---- submissions ---- */

typedef struct ty_submission ty_submission;

typedef struct ty_submission_opts {
    int64_t platform;   /* platforms.id (ty_store_platform) */
    const char *source; /* shown in the batch record: file name, request id */
    size_t max_errors;  /* rejects kept in the report; 0 means 100 */
    /* Called on the writer thread after each commit that carried rows of this
     * submission, with its committed totals (may be NULL). */
    void (*on_commit)(void *ctx, const ty_ingest_report *rep);
    void *ctx;
} ty_submission_opts;

ty_err ty_submission_open(ty_writer *w, const ty_submission_opts *o, ty_submission **s);

/* Prepares a validated record and queues it (waits while the queue is full). */
ty_err ty_submission_record(ty_submission *s, const ty_record *rec);

/* Queues a reject (kept in ingest_rejects and counted with the rest). */
ty_err ty_submission_reject(ty_submission *s, const ty_reject *rej);

/* Flushes, waits until everything submitted is committed, fills rep (committed
 * counts; rep->errors must be released with ty_ingest_report_free) and frees
 * the submission. Returns the store error that failed it, if any: then only the
 * counts in rep are acknowledged. */
ty_err ty_submission_close(ty_submission **s, ty_ingest_report *rep);

/* Abandons a submission: rows not yet handed to the writer are dropped, those
 * already queued are stored (each row is stored whole or not at all, exactly
 * once); waits until the writer is done with it, then frees it. */
void ty_submission_abort(ty_submission **s);

/* ---- decoding into a submission ---- */

typedef struct ty_ingest ty_ingest;

typedef struct ty_ingest_opts {
    ty_submission_opts sub;
    ty_format format;
    const ty_codec_limits *limits; /* NULL for defaults */
} ty_ingest_opts;

ty_err ty_ingest_begin(ty_ingest **ig, ty_writer *w, const ty_ingest_opts *o);
ty_err ty_ingest_feed(ty_ingest *ig, const void *bytes, size_t n);
/* Ends the input, waits for the commit, fills rep and frees the ingest. */
ty_err ty_ingest_end(ty_ingest **ig, ty_ingest_report *rep);
/* Abandons an ingest (ty_submission_abort: rows already queued are stored). */
void ty_ingest_free(ty_ingest **ig);

/* Convenience: ingests one file ("-" for standard input) as one submission. */
ty_err ty_ingest_path(ty_writer *w, const ty_ingest_opts *o, const char *path,
                      ty_ingest_report *rep);

#endif
