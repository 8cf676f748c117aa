/* ingest.c - decoding a submission's bytes straight into the writer (see ingest.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tianyan/ingest.h"
#include "tianyan/io.h"

struct ty_ingest {
    ty_decoder *dec;
    ty_submission *sub;
};

static ty_err on_record(void *ctx, const ty_record *rec)
{
    ty_ingest *ig = ctx;
    return ty_submission_record(ig->sub, rec);
}

static ty_err on_reject(void *ctx, const ty_reject *rej)
{
    ty_ingest *ig = ctx;
    return ty_submission_reject(ig->sub, rej);
}

ty_err ty_ingest_begin(ty_ingest **out, ty_writer *w, const ty_ingest_opts *o)
{
    ty_ingest *ig = calloc(1, sizeof *ig);
    if (!ig)
        return TY_ENOMEM;
    ty_err e = ty_submission_open(w, &o->sub, &ig->sub);
    ty_sink sink = {on_record, on_reject, ig};
    if (e == TY_OK)
        e = ty_decoder_new(&ig->dec, o->format, o->limits, &sink);
    if (e != TY_OK) {
        ty_ingest_free(&ig);
        return e;
    }
    *out = ig;
    return TY_OK;
}

ty_err ty_ingest_feed(ty_ingest *ig, const void *bytes, size_t n)
{
    return ty_decoder_feed(ig->dec, bytes, n);
}

ty_err ty_ingest_end(ty_ingest **pig, ty_ingest_report *rep)
{
    ty_ingest *ig = *pig;
    ty_err e = ty_decoder_finish(ig->dec);
    uint64_t lines = ty_decoder_lines(ig->dec);
    ty_err ce = ty_submission_close(&ig->sub, rep);
    rep->lines = lines;
    ty_ingest_free(pig);
    return e != TY_OK ? e : ce;
}

void ty_ingest_free(ty_ingest **pig)
{
    ty_ingest *ig = *pig;
    if (!ig)
        return;
    if (ig->sub)
        ty_submission_abort(&ig->sub);
    ty_decoder_free(&ig->dec);
    free(ig);
    *pig = NULL;
}

static ty_err feed_cb(void *ctx, const void *p, size_t n)
{
    return ty_ingest_feed(ctx, p, n);
}

ty_err ty_ingest_path(ty_writer *w, const ty_ingest_opts *o, const char *path,
                      ty_ingest_report *rep)
{
    memset(rep, 0, sizeof *rep);
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? TY_ENOENT : TY_EIO;
    ty_ingest *ig;
    ty_err e = ty_ingest_begin(&ig, w, o);
    if (e != TY_OK) {
        if (fd)
            close(fd);
        return e;
    }
    e = ty_read_fd(fd, 1 << 18, feed_cb, ig);
    if (fd)
        close(fd);
    ty_err ee = ty_ingest_end(&ig, rep);
    return e != TY_OK ? e : ee;
}
