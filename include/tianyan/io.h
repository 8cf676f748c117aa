/*
 * io.h - small file helpers shared by the modules that read outside input.
 */
#ifndef TIANYAN_IO_H
#define TIANYAN_IO_H

#include <stddef.h>

#include "tianyan/error.h"

/* Reads fd to its end in chunks of `chunk` bytes, passing each to fn; stops at
 * the first error fn returns (and returns it). TY_EIO on a read error. */
ty_err ty_read_fd(int fd, size_t chunk, ty_err (*fn)(void *ctx, const void *p, size_t n),
                  void *ctx);

#endif
