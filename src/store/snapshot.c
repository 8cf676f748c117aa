/* snapshot.c - saving and loading the duplicate index (see snapshot.h). */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "TYDEDUP1"
#define RUN   4096 /* entries per read or write */

typedef struct header {
    char magic[8];
    unsigned char id[SNAPSHOT_ID_BYTES];
    int64_t max_seq;
    uint64_t count;
} header;

static int write_all(int fd, const void *p, size_t n, crypto_generichash_state *h)
{
    if (h)
        crypto_generichash_update(h, p, n);
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 0;
        c += w;
        n -= (size_t)w;
    }
    return 1;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        c += r;
        n -= (size_t)r;
    }
    return 1;
}

ty_err snapshot_write(const ty_hashidx *x, const char *path,
                      const unsigned char id[SNAPSHOT_ID_BYTES], int64_t max_seq)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return TY_EIO;
    header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, 8);
    memcpy(h.id, id, SNAPSHOT_ID_BYTES);
    h.max_seq = max_seq;
    h.count = x->count;
    crypto_generichash_state hs;
    crypto_generichash_init(&hs, NULL, 0, 32);
    int ok = write_all(fd, &h, sizeof h, &hs);
    ty_hashidx_slot *run = malloc(sizeof(ty_hashidx_slot) * RUN);
    size_t n = 0;
    ok = ok && run;
    for (uint64_t i = 0; ok && i <= x->mask; i++) {
        if (!x->slot[i].hash)
            continue;
        run[n++] = x->slot[i];
        if (n == RUN) {
            ok = write_all(fd, run, sizeof *run * n, &hs);
            n = 0;
        }
    }
    if (ok && n)
        ok = write_all(fd, run, sizeof *run * n, &hs);
    free(run);
    unsigned char sum[32];
    crypto_generichash_final(&hs, sum, sizeof sum);
    ok = ok && write_all(fd, sum, sizeof sum, NULL) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return TY_EIO;
    }
    /* make the rename itself durable */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return TY_OK;
}

ty_err snapshot_read(ty_hashidx *x, const char *path, const unsigned char id[SNAPSHOT_ID_BYTES],
                     int64_t db_max_seq, int64_t *max_seq)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? TY_ENOENT : TY_EIO;
    header h;
    ty_err e = TY_EPARSE;
    crypto_generichash_state hs;
    crypto_generichash_init(&hs, NULL, 0, 32);
    ty_hashidx_slot *run = malloc(sizeof(ty_hashidx_slot) * RUN);
    uint64_t hashes[RUN];
    int64_t seqs[RUN];
    if (!run || !read_all(fd, &h, sizeof h) || memcmp(h.magic, MAGIC, 8) != 0 ||
        memcmp(h.id, id, SNAPSHOT_ID_BYTES) != 0 || h.max_seq < 0 || h.max_seq > db_max_seq ||
        h.count > (uint64_t)h.max_seq + 1)
        goto done;
    crypto_generichash_update(&hs, (const unsigned char *)&h, sizeof h);
    for (uint64_t left = h.count; left;) {
        size_t n = left < RUN ? (size_t)left : RUN;
        if (!read_all(fd, run, sizeof *run * n))
            goto done;
        crypto_generichash_update(&hs, (const unsigned char *)run, sizeof *run * n);
        for (size_t i = 0; i < n; i++) {
            if (run[i].seq < 1 || run[i].seq > h.max_seq)
                goto done;
            hashes[i] = run[i].hash;
            seqs[i] = run[i].seq;
        }
        if ((e = ty_hashidx_insert_many(x, hashes, seqs, n)) != TY_OK)
            goto done;
        e = TY_EPARSE;
        left -= n;
    }
    unsigned char sum[32], want[32], extra;
    crypto_generichash_final(&hs, sum, sizeof sum);
    if (!read_all(fd, want, sizeof want) || sodium_memcmp(sum, want, sizeof sum) != 0 ||
        read(fd, &extra, 1) != 0)
        goto done;
    *max_seq = h.max_seq;
    e = TY_OK;
done:
    free(run);
    close(fd);
    if (e != TY_OK)
        ty_hashidx_clear(x);
    return e;
}
