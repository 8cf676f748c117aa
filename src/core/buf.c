/* buf.c - bounded growable buffers (see buf.h for the invariants). */
#include "tianyan/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ty_buf_init(ty_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

ty_err ty_buf_reserve(ty_buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return TY_ELIMIT;
    size_t need = b->len + n + 1; /* + NUL */
    if (need <= b->cap)
        return TY_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return TY_ENOMEM;
    b->data = p;
    b->cap = cap;
    return TY_OK;
}

ty_err ty_buf_append(ty_buf *b, const void *p, size_t n)
{
    TY_TRY(ty_buf_reserve(b, n));
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return TY_OK;
}

ty_err ty_buf_puts(ty_buf *b, const char *s)
{
    return ty_buf_append(b, s, strlen(s));
}

ty_err ty_buf_putc(ty_buf *b, char c)
{
    return ty_buf_append(b, &c, 1);
}

ty_err ty_buf_vprintf(ty_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return TY_EINVAL;
    TY_TRY(ty_buf_reserve(b, (size_t)n));
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return TY_OK;
}

ty_err ty_buf_printf(ty_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ty_err e = ty_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return e;
}

void ty_buf_reset(ty_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

const char *ty_buf_cstr(const ty_buf *b)
{
    return b->data ? b->data : "";
}

void ty_buf_free(ty_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
