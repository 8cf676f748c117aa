/* io.c - chunked reading of a file descriptor (see io.h). */
#include "tianyan/io.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

ty_err ty_read_fd(int fd, size_t chunk, ty_err (*fn)(void *ctx, const void *p, size_t n), void *ctx)
{
    char *buf = malloc(chunk);
    if (!buf)
        return TY_ENOMEM;
    ty_err e = TY_OK;
    for (;;) {
        ssize_t n = read(fd, buf, chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            e = TY_EIO;
            break;
        }
        if (n == 0 || (e = fn(ctx, buf, (size_t)n)) != TY_OK)
            break;
    }
    free(buf);
    return e;
}
