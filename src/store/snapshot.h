/*
 * snapshot.h - the duplicate index saved to a file at close, so that opening a
 * large store does not have to re-read every event (private to src/store/).
 *
 * File "<db>.dedup": a header (magic, format version, the store's random id,
 * the highest seq covered, the number of entries), the (key_hash, seq) entries,
 * and a BLAKE2b-256 of everything before it. Written to a temporary name,
 * fsynced and renamed, so it is either the old file or the new one.
 *
 * Events are append-only with increasing seq, so a snapshot is always a valid
 * prefix of the index: whatever was stored after it (by this process before a
 * crash, or by another process) is caught up from the table by seq.
 */
#ifndef TIANYAN_STORE_SNAPSHOT_H
#define TIANYAN_STORE_SNAPSHOT_H

#include <stdint.h>

#include "tianyan/hashidx.h"

#define SNAPSHOT_ID_BYTES 16

/* Writes every entry of x, which covers events up to max_seq. */
ty_err snapshot_write(const ty_hashidx *x, const char *path,
                      const unsigned char id[SNAPSHOT_ID_BYTES], int64_t max_seq);

/* Loads a snapshot into the empty index x. TY_ENOENT when there is none;
 * TY_EPARSE when it is damaged, of another store, or newer than db_max_seq (x is
 * then left empty). On success *max_seq is the highest seq it covers. */
ty_err snapshot_read(ty_hashidx *x, const char *path, const unsigned char id[SNAPSHOT_ID_BYTES],
                     int64_t db_max_seq, int64_t *max_seq);

#endif
