/*
 * buf.h - growable byte buffers that never grow past a stated maximum.
 *
 * Every buffer that holds outside input carries a maximum size; appending past
 * it fails with TY_ELIMIT instead of growing without bound. The buffer owns its
 * storage; ty_buf_free() releases it and leaves an empty, reusable buffer.
 * Invariant: data == NULL || data[len] == '\0' (there is always room for a NUL,
 * so ty_buf_cstr() never allocates).
 */
#ifndef TIANYAN_BUF_H
#define TIANYAN_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "tianyan/error.h"

typedef struct ty_buf {
    char *data;
    size_t len; /* bytes in use, not counting the trailing NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* largest len allowed */
} ty_buf;

/* Initialises an empty buffer that may hold at most max bytes. */
void ty_buf_init(ty_buf *b, size_t max);

/* Appends n bytes. TY_ELIMIT if len + n would exceed max, TY_ENOMEM on allocation failure;
 * on failure the buffer is unchanged. */
ty_err ty_buf_append(ty_buf *b, const void *p, size_t n);

/* Appends a NUL-terminated string. */
ty_err ty_buf_puts(ty_buf *b, const char *s);

/* Appends one byte. */
ty_err ty_buf_putc(ty_buf *b, char c);

/* Appends printf-formatted text. */
ty_err ty_buf_printf(ty_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
ty_err ty_buf_vprintf(ty_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Makes sure at least n more bytes fit without reallocation (still bounded by max). */
ty_err ty_buf_reserve(ty_buf *b, size_t n);

/* Empties the buffer, keeping its storage. */
void ty_buf_reset(ty_buf *b);

/* A NUL-terminated view of the contents ("" for an empty buffer). */
const char *ty_buf_cstr(const ty_buf *b);

/* Releases the storage; the buffer is left empty and usable with the same max. */
void ty_buf_free(ty_buf *b);

#endif
