/*
 * sim.h - the feed simulator: deterministic, realistic multi-platform feeds in
 * exchange-spec v1 JSON Lines, with injected incidents and their ground truth.
 *
 * The same options always produce byte-identical files (all randomness comes
 * from GSL generators seeded from opts.seed). Used by `tianyan simulate`,
 * `tianyan demo`, the tests and the benchmarks.
 */
#ifndef TIANYAN_SIM_H
#define TIANYAN_SIM_H

#include <stdint.h>

#include "tianyan/error.h"
#include "tianyan/record.h"

#define TY_SIM_PLATFORMS_MAX 16

typedef struct ty_sim_opts {
    uint64_t seed;
    int days;            /* 1..366 */
    int platforms;       /* 1..TY_SIM_PLATFORMS_MAX */
    const char *out_dir; /* created when missing */
    const char *start;   /* first day, YYYY-MM-DD (China time); NULL means 2026-09-01 */
    double scale;        /* volume multiplier; 0 means 1.0 */
} ty_sim_opts;

typedef struct ty_sim_platform {
    char code[32];                         /* platform code to ingest the feed under */
    char path[512];                        /* its JSON Lines file */
    uint64_t records[TY_REC_TYPE_MAX + 1]; /* per record type */
} ty_sim_platform;

typedef struct ty_sim_summary {
    int nplatforms;
    ty_sim_platform platform[TY_SIM_PLATFORMS_MAX];
    uint64_t total;       /* records written */
    uint64_t incidents;   /* incidents injected */
    char truth_path[512]; /* ground-truth.jsonl */
} ty_sim_summary;

/* Generates the feeds. On failure writes a reason to err. */
ty_err ty_simulate(const ty_sim_opts *o, ty_sim_summary *sum, char *err, size_t errn);

#endif
