/*
 * cli_json.h - JSON output of the commands: a generator printing to standard
 * output and "key": value writers (NULL or empty strings and non-finite
 * numbers are written as null: JSON has no NaN).
 */
#ifndef TIANYAN_CLI_JSON_H
#define TIANYAN_CLI_JSON_H

#include <yajl/yajl_gen.h>

/* A generator writing to standard output; NULL when out of memory. */
yajl_gen cli_json_new(void);
/* Frees g and ends the line. */
void cli_json_end(yajl_gen g);

void cli_j_key(yajl_gen g, const char *k);
void cli_j_str(yajl_gen g, const char *k, const char *v);
void cli_j_int(yajl_gen g, const char *k, long long v);
void cli_j_num(yajl_gen g, const char *k, double v); /* %.10g */
void cli_j_bool(yajl_gen g, const char *k, int v);

#endif
