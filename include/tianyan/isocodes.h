/*
 * isocodes.h - membership tests for ISO 3166-1 alpha-2 country codes, ISO 3166-2
 * subdivision codes and ISO 4217 currency codes. The tables are generated at
 * build time from Debian's iso-codes package (cmake/gen_iso_codes.cmake).
 */
#ifndef TIANYAN_ISOCODES_H
#define TIANYAN_ISOCODES_H

#include <stddef.h>

int ty_iso_country(const char *s, size_t n);  /* "CN" */
int ty_iso_region(const char *s, size_t n);   /* "CN-ZJ" */
int ty_iso_currency(const char *s, size_t n); /* "CNY" */

#endif
