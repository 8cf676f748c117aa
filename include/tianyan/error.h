/*
 * error.h - Tianyan's one error type.
 *
 * Every fallible library function returns a ty_err: 0 is success, every other
 * value names one class of failure. The list below is the single source of the
 * codes, their stable names (used in JSON error bodies and metrics) and their
 * default messages. Details that a person can act on (which line, which field)
 * travel separately, in the caller-supplied message buffers of each module.
 */
#ifndef TIANYAN_ERROR_H
#define TIANYAN_ERROR_H

/* X(code, name, message) */
#define TY_ERR_LIST(X)                                                       \
    X(TY_OK, "ok", "success")                                                \
    X(TY_ENOMEM, "no_memory", "out of memory")                               \
    X(TY_EINVAL, "invalid_argument", "invalid argument")                     \
    X(TY_EIO, "io", "input/output error")                                    \
    X(TY_ENOENT, "not_found", "not found")                                   \
    X(TY_ELIMIT, "limit", "a size or count limit was exceeded")              \
    X(TY_EPARSE, "parse", "input could not be parsed")                       \
    X(TY_EVALIDATE, "validation", "input failed validation")                 \
    X(TY_EDUP, "duplicate", "already present")                               \
    X(TY_ESTORE, "store", "the store reported an error")                     \
    X(TY_EBUSY, "busy", "the store is busy; retry later")                    \
    X(TY_ESCHEMA, "schema", "the store's schema is newer than this program") \
    X(TY_EUSAGE, "usage", "wrong command-line usage")                        \
    X(TY_ECRYPTO, "crypto", "cryptographic library failure")

typedef enum {
#define TY_ERR_ENUM(code, name, msg) code,
    TY_ERR_LIST(TY_ERR_ENUM)
#undef TY_ERR_ENUM
        TY_ERR__COUNT
} ty_err;

/* Stable machine name of an error ("validation"); never NULL. */
const char *ty_err_name(ty_err e);

/* Default human message for an error; never NULL. */
const char *ty_err_message(ty_err e);

/* The one propagation idiom: return on failure. */
#define TY_TRY(expr)           \
    do {                       \
        ty_err ty__e = (expr); \
        if (ty__e != TY_OK)    \
            return ty__e;      \
    } while (0)

#endif
