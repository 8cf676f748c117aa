/*
 * dedup.h - in-memory index from 64-bit event-key hashes to event sequence
 * numbers (private to src/store/).
 *
 * Open addressing with linear probing over a power-of-two table of 16-byte
 * slots, kept at most 70% full: about 23-46 bytes per stored event. Several
 * events may share a hash; lookups return every candidate and the caller
 * confirms against the stored row. A hash of 0 is stored as 1 (0 marks an empty
 * slot), which only adds a candidate, never loses one.
 */
#ifndef TIANYAN_STORE_DEDUP_H
#define TIANYAN_STORE_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"

typedef struct dedup_slot {
    uint64_t hash;
    int64_t seq;
} dedup_slot;

typedef struct dedup_index {
    dedup_slot *slot;
    uint64_t mask;  /* capacity - 1 */
    uint64_t count; /* occupied slots */
} dedup_index;

ty_err dedup_init(dedup_index *x, uint64_t expected);
void dedup_free(dedup_index *x);
void dedup_clear(dedup_index *x);

/* Adds (hash, seq). */
ty_err dedup_insert(dedup_index *x, uint64_t hash, int64_t seq);

/* Adds n pairs at once (prefetching ahead: used when the index is loaded). */
ty_err dedup_insert_many(dedup_index *x, const uint64_t *hash, const int64_t *seq, size_t n);

/* Iterates the sequence numbers stored under hash: start with *pos = UINT64_MAX;
 * returns 1 and sets *seq for each candidate, 0 when there are no more. */
int dedup_next(const dedup_index *x, uint64_t hash, uint64_t *pos, int64_t *seq);

/* Bytes of memory the index holds. */
size_t dedup_bytes(const dedup_index *x);

#endif
