/*
 * test_rules.c - the rules file: the shipped data/rules/default.json says
 * exactly what the built-in defaults say, a file overrides only what it names,
 * and every mistake is refused with the key and what was wrong, leaving the
 * rules untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tianyan/buf.h"
#include "tianyan/rules.h"

static char *json_of(const ty_rules *r)
{
    ty_buf b;
    ty_buf_init(&b, TY_RULES_FILE_MAX);
    CHECK_INT(ty_rules_json(r, &b), TY_OK);
    CHECK_INT(ty_buf_putc(&b, '\0'), TY_OK);
    return b.data;
}

static void test_default_file_equals_defaults(void)
{
    ty_rules d, f;
    ty_rules_defaults(&d);
    memset(&f, 0x5a, sizeof f); /* a file must set nothing the defaults leave out */
    ty_rules_defaults(&f);
    char err[256] = "";
    CHECK_INT(ty_rules_load(TY_DATA_DIR "/rules/default.json", &f, err, sizeof err), TY_OK);
    CHECK_STR(err, "");
    char *a = json_of(&d), *b = json_of(&f);
    CHECK_STR(b, a);
    CHECK_STR(f.version, "default-1");
    CHECK_INT(f.dispro.min_cases, 3); /* Evans et al. 2001 */
    CHECK(f.dispro.prr_min == 2.0);
    CHECK(f.dispro.chi2_min == 4.0);
    CHECK_INT(f.resolve_after_ms, 72LL * 3600 * 1000);
    free(a);
    free(b);
    /* the JSON the rules print reads back to the same rules */
    char *c = json_of(&d);
    ty_rules g;
    ty_rules_defaults(&g);
    g.rate.factor = 9;
    CHECK_INT(ty_rules_parse(c, strlen(c), &g, err, sizeof err), TY_OK);
    char *c2 = json_of(&g);
    CHECK_STR(c2, c);
    free(c);
    free(c2);
}

static void test_override(void)
{
    ty_rules r;
    ty_rules_defaults(&r);
    const char *j = "// a comment\n{\"version\": \"site-2\", \"rate\": {\"confidence\": 0.999},"
                    " \"resolve_after_hours\": 1.5, \"severity\": {\"damaged\": 2},"
                    " \"dispro\": {\"enabled\": false}}";
    char err[256] = "";
    CHECK_INT(ty_rules_parse(j, strlen(j), &r, err, sizeof err), TY_OK);
    CHECK_STR(r.version, "site-2");
    CHECK(r.rate.confidence == 0.999);
    CHECK_INT(r.rate.window_days, 7); /* untouched */
    CHECK_INT(r.resolve_after_ms, 5400000);
    CHECK_INT(r.severity[3], 2);
    CHECK_INT(r.severity[0], 2);
    CHECK_INT(r.dispro.enabled, 0);
    CHECK_STR(ty_rule_class_name(3), "damaged");
    CHECK_STR(ty_rule_class_name(6), "?");
}

/* Each bad text is refused with code and a message naming the key; the rules
 * stay as they were. */
static void refused(const char *json, ty_err code, const char *msg)
{
    ty_rules r, before;
    ty_rules_defaults(&r);
    before = r;
    char err[256] = "";
    CHECK_INT(ty_rules_parse(json, strlen(json), &r, err, sizeof err), code);
    CHECK_CONTAINS(err, msg);
    CHECK(memcmp(&r, &before, sizeof r) == 0);
}

static void test_errors(void)
{
    refused("{\"rate\": {\"confidence\": 0.9}}", TY_EINVAL, "version");
    refused("{\"version\": \"a b\"}", TY_EINVAL, "version");
    refused("{\"version\": \"v\", \"rate\": {\"windw_days\": 3}}", TY_EINVAL,
            "rate.windw_days: unknown key");
    refused("{\"version\": \"v\", \"speed\": 3}", TY_EINVAL, "speed: unknown key");
    refused("{\"version\": \"v\", \"rate\": {\"window_days\": \"7\"}}", TY_EINVAL,
            "rate.window_days: expected a number");
    refused("{\"version\": \"v\", \"rate\": {\"window_days\": 7.5}}", TY_EINVAL,
            "rate.window_days: expected a whole number");
    refused("{\"version\": \"v\", \"rate\": {\"window_days\": 0}}", TY_EINVAL,
            "rate.window_days: must be between 1 and 28, got 0");
    refused("{\"version\": \"v\", \"severity\": {\"harmful\": 5}}", TY_EINVAL,
            "severity.harmful: must be between 1 and 4");
    refused("{\"version\": \"v\", \"dispro\": {\"enabled\": 1}}", TY_EINVAL,
            "dispro.enabled: expected true or false");
    refused("{\"version\": \"v\", \"rate\": 3}", TY_EINVAL, "rate: expected an object");
    refused("[1, 2]", TY_EINVAL, "one JSON object");
    refused("{\"version\": \"v\", ", TY_EPARSE, "");
    size_t n = TY_RULES_FILE_MAX + 10;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    big[n] = '\0';
    refused(big, TY_ELIMIT, "");
    free(big);
    ty_rules r;
    ty_rules_defaults(&r);
    char err[256] = "";
    CHECK_INT(ty_rules_load("/nonexistent/rules.json", &r, err, sizeof err), TY_ENOENT);
}

int main(void)
{
    test_default_file_equals_defaults();
    test_override();
    test_errors();
    return check_done("test_rules");
}
