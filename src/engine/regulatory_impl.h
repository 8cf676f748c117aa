/*
 * regulatory_impl.h - internals of the regulatory matcher shared by its files and
 * its tests (private to src/engine/): name normalisation, list splitting and CAS
 * number spotting (regnorm.c).
 */
#ifndef TIANYAN_REGULATORY_IMPL_H
#define TIANYAN_REGULATORY_IMPL_H

#include <stddef.h>

#include "tianyan/error.h"

/* Longest normalised name kept or looked up, in bytes. The longest name of the May 2024
 * annex exports is 538 bytes; a longer normalised ingredient cannot equal any name. */
#define REG_KEY_MAX 2048

/*
 * Normalises n bytes of UTF-8 at s into out (at most cap bytes; not NUL-terminated)
 * and sets *len. What is kept: letters and digits, after Unicode NFKD and case
 * folding, with combining marks (accents) dropped and the Greek letters used in
 * chemical names spelt out (α -> "alpha"); everything else (white space,
 * punctuation, symbols) separates. Between two kept characters that a separator
 * parted, the output has "." when both are digits ("1,2" -> "1.2", so that "1,2-"
 * never equals "12-"), otherwise nothing when spaced is 0 (a name key:
 * "Butylphenyl Methyl-propional" -> "butylphenylmethylpropional"), or one space
 * when spaced is 1 (words: "FIORILLO 24K" -> "fiorillo 24k"). With spaced, a change
 * between Latin (ASCII letters and digits) and any other script also starts a new
 * word ("FIORILLO菲奥里洛" -> "fiorillo 菲奥里洛").
 * When out is too small, *truncated is set and *len covers what fitted (spaced: up
 * to the last whole word). TY_EPARSE when s is not valid UTF-8, TY_ENOMEM.
 */
ty_err reg_normalise(const char *s, size_t n, int spaced, char *out, size_t cap, size_t *len,
                     int *truncated);

/* A part of a text: n bytes at s. */
typedef struct reg_span {
    const char *s;
    size_t n;
} reg_span;

/*
 * Splits n bytes at s into list pieces at ";", "|", line breaks, "、", "，", "；" and
 * "," (except a comma between two digits), trimming white space around each piece;
 * empty pieces are left out. Returns the number of pieces (may exceed max: only the
 * first max are stored).
 */
size_t reg_split_list(const char *s, size_t n, reg_span *out, size_t max);

/* s without surrounding white space (ASCII, no-break space, ideographic space). */
reg_span reg_trim(const char *s, size_t n);

/*
 * When s (n bytes, trimmed) ends in a parenthesised part preceded by text ("Aqua
 * (Water)"), sets *outer ("Aqua") and *inner ("Water"), both trimmed and non-empty,
 * and returns 1; otherwise returns 0.
 */
int reg_paren_split(const char *s, size_t n, reg_span *outer, reg_span *inner);

/*
 * Finds the next CAS number in s[*pos .. n): a run of digits and hyphens (ASCII
 * "-", U+2010..U+2014, U+2212, U+FF0D) that, without hyphens at either end, has the
 * CAS form and check digit. On success writes its canonical form to cas (leading
 * zeros dropped, at least 16 bytes), its place to *at, advances *pos past it and
 * returns 1; returns 0 when there is none.
 */
int reg_next_cas(const char *s, size_t n, size_t *pos, char *cas, reg_span *at);

#endif
