/*
 * check.h - minimal assertions for the unit tests: each failed check prints
 * file, line, the expression and both values, and the test exits non-zero at
 * the end (checks keep going so one run shows every failure).
 */
#ifndef TIANYAN_TEST_CHECK_H
#define TIANYAN_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        check_count++;                                                               \
        if (!(cond)) {                                                               \
            check_failures++;                                                        \
            fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECK_INT(a, b)                                                                           \
    do {                                                                                          \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                           \
        check_count++;                                                                            \
        if (check_a_ != check_b_) {                                                               \
            check_failures++;                                                                     \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, \
                    check_a_, check_b_);                                                          \
        }                                                                                         \
    } while (0)

#define CHECK_STR(a, b)                                                                          \
    do {                                                                                         \
        const char *check_a_ = (a), *check_b_ = (b);                                             \
        check_count++;                                                                           \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                         \
            check_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s == %s failed:\n  got:      \"%s\"\n  expected: \"%s\"\n", \
                    __FILE__, __LINE__, #a, #b, check_a_ ? check_a_ : "(null)",                  \
                    check_b_ ? check_b_ : "(null)");                                             \
        }                                                                                        \
    } while (0)

/* Substring check: b occurs in a. */
#define CHECK_CONTAINS(a, b)                                                               \
    do {                                                                                   \
        const char *check_a_ = (a), *check_b_ = (b);                                       \
        check_count++;                                                                     \
        if (!check_a_ || !strstr(check_a_, check_b_)) {                                    \
            check_failures++;                                                              \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
                    check_a_ ? check_a_ : "(null)", check_b_);                             \
        }                                                                                  \
    } while (0)

static inline int check_done(const char *name)
{
    if (check_failures) {
        fprintf(stderr, "%s: %d of %d checks failed\n", name, check_failures, check_count);
        return 1;
    }
    printf("%s: %d checks passed\n", name, check_count);
    return 0;
}

/* Folder of the public test data (../shared/data), from the build. Tests that
 * need it fail when it is missing: they never skip. */
static inline const char *check_data_dir(void)
{
    const char *d = getenv("TY_SHARED_DATA");
    return d ? d : TY_SHARED_DATA;
}

#endif
