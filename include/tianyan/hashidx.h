/*
 * hashidx.h - an in-memory multimap from 64-bit hashes to 64-bit values: the
 * store's exactly-once index (hash of an event's identity -> its seq) and the
 * CSV decoder's record-group check use it.
 *
 * Open addressing with linear probing over a power-of-two table of 16-byte
 * slots, kept at most 70% full: about 23-46 bytes per entry. Several entries
 * may share a hash; lookups return every candidate and the caller confirms
 * against the real key. A hash of 0 is stored as 1 (0 marks an empty slot),
 * which only adds a candidate, never loses one. The caller owns the struct;
 * ty_hashidx_free() releases the table.
 */
#ifndef TIANYAN_HASHIDX_H
#define TIANYAN_HASHIDX_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"

typedef struct ty_hashidx_slot {
    uint64_t hash;
    int64_t seq;
} ty_hashidx_slot;

typedef struct ty_hashidx {
    ty_hashidx_slot *slot;
    uint64_t mask;  /* capacity - 1 */
    uint64_t count; /* occupied slots */
} ty_hashidx;

ty_err ty_hashidx_init(ty_hashidx *x, uint64_t expected);
void ty_hashidx_free(ty_hashidx *x);
void ty_hashidx_clear(ty_hashidx *x);

/* Adds (hash, seq). */
ty_err ty_hashidx_insert(ty_hashidx *x, uint64_t hash, int64_t seq);

/* Adds n pairs at once (prefetching ahead: used when the index is loaded). */
ty_err ty_hashidx_insert_many(ty_hashidx *x, const uint64_t *hash, const int64_t *seq, size_t n);

/* Removes the entry (hash, value) if present (backward-shift deletion, so
 * lookups of the others stay correct). */
void ty_hashidx_remove(ty_hashidx *x, uint64_t hash, int64_t seq);

/* Iterates the sequence numbers stored under hash: start with *pos = UINT64_MAX;
 * returns 1 and sets *seq for each candidate, 0 when there are no more. */
int ty_hashidx_next(const ty_hashidx *x, uint64_t hash, uint64_t *pos, int64_t *seq);

/* Bytes of memory the index holds. */
size_t ty_hashidx_bytes(const ty_hashidx *x);

#endif
