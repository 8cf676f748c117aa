/*
 * rules.c - the risk engine's rules file (rules.h): defaults, a table of every
 * parameter with its type and range, strict JSON reading with yajl, and the
 * rules printed back as JSON.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "tianyan/rules.h"

static const char *const class_names[TY_RULE_CLASSES] = {
    "allergy", "counterfeit", "expired", "damaged", "label", "harmful",
};

const char *ty_rule_class_name(int c)
{
    return c >= 0 && c < TY_RULE_CLASSES ? class_names[c] : "?";
}

void ty_rules_defaults(ty_rules *r)
{
    memset(r, 0, sizeof *r);
    snprintf(r->version, sizeof r->version, "default-1");
    r->rate.enabled = 1;
    r->rate.window_days = 7;
    r->rate.min_count = 3;
    r->rate.factor = 3.0;
    r->rate.confidence = 0.99;
    r->rate.min_orders = 1;
    r->change.enabled = 1;
    r->change.base_days = 28;
    r->change.run_days = 14;
    r->change.min_active = 7;
    r->change.lambda_min = 0.2;
    r->change.arl0 = 100000.0;
    r->change.min_recent = 3;
    r->price.enabled = 1;
    r->price.min_merchants = 3;
    r->price.min_sales = 3;
    r->price.fraction = 0.6;
    r->price.z_cutoff = 3.5;
    r->price.evidence_min = 2;
    r->dispro.enabled = 1;
    r->dispro.min_cases = 3;
    r->dispro.prr_min = 2.0;
    r->dispro.chi2_min = 4.0;
    r->dispro.ic025_min = 0.0;
    r->dispro.eb05_min = 2.0;
    r->dispro.min_reports = 100;
    r->regulatory.enabled = 1;
    r->regulatory.restricted = 0;
    r->regulatory.alert_min_words = 1;
    r->regulatory.prohibited_severity = 3;
    r->regulatory.alert_severity = 3;
    r->resolve_after_ms = 72LL * 3600 * 1000;
    r->warmup_days = 7;
    /* Decision (EU) 2019/417 Annex Part III Table 3: see docs/detection.md */
    static const int sev[TY_RULE_CLASSES] = {2, 2, 2, 1, 1, 3};
    memcpy(r->severity, sev, sizeof sev);
}

/* ---------------------------------------------------------------- the table */

typedef enum { P_BOOL, P_INT, P_UINT, P_REAL, P_HOURS } ptype;

typedef struct param {
    const char *section; /* NULL: top level */
    const char *name;
    ptype type;
    size_t off;
    double min, max;
} param;

#define F(member) offsetof(ty_rules, member)
static const param params[] = {
    {"rate", "enabled", P_BOOL, F(rate.enabled), 0, 1},
    {"rate", "window_days", P_INT, F(rate.window_days), 1, 28},
    {"rate", "min_count", P_UINT, F(rate.min_count), 1, 1e6},
    {"rate", "factor", P_REAL, F(rate.factor), 1, 100},
    {"rate", "confidence", P_REAL, F(rate.confidence), 0.5, 0.999999},
    {"rate", "min_orders", P_UINT, F(rate.min_orders), 1, 1e9},
    {"change", "enabled", P_BOOL, F(change.enabled), 0, 1},
    {"change", "base_days", P_INT, F(change.base_days), 7, 30},
    {"change", "run_days", P_INT, F(change.run_days), 2, 30},
    {"change", "min_active", P_INT, F(change.min_active), 1, 30},
    {"change", "lambda_min", P_REAL, F(change.lambda_min), 0.01, 1000},
    {"change", "arl0", P_REAL, F(change.arl0), 10, 1e7},
    {"change", "min_recent", P_UINT, F(change.min_recent), 1, 1e6},
    {"price", "enabled", P_BOOL, F(price.enabled), 0, 1},
    {"price", "min_merchants", P_UINT, F(price.min_merchants), 3, 64},
    {"price", "min_sales", P_UINT, F(price.min_sales), 1, 32},
    {"price", "fraction", P_REAL, F(price.fraction), 0.01, 1},
    {"price", "z_cutoff", P_REAL, F(price.z_cutoff), 1, 20},
    {"price", "evidence_min", P_UINT, F(price.evidence_min), 1, 1e6},
    {"dispro", "enabled", P_BOOL, F(dispro.enabled), 0, 1},
    {"dispro", "min_cases", P_UINT, F(dispro.min_cases), 1, 1e6},
    {"dispro", "prr_min", P_REAL, F(dispro.prr_min), 1, 1000},
    {"dispro", "chi2_min", P_REAL, F(dispro.chi2_min), 0, 1000},
    {"dispro", "ic025_min", P_REAL, F(dispro.ic025_min), -10, 10},
    {"dispro", "eb05_min", P_REAL, F(dispro.eb05_min), 0, 1000},
    {"dispro", "min_reports", P_UINT, F(dispro.min_reports), 1, 1e9},
    {"regulatory", "enabled", P_BOOL, F(regulatory.enabled), 0, 1},
    {"regulatory", "restricted", P_BOOL, F(regulatory.restricted), 0, 1},
    {"regulatory", "alert_min_words", P_UINT, F(regulatory.alert_min_words), 1, 8},
    {"regulatory", "prohibited_severity", P_INT, F(regulatory.prohibited_severity), 1, 4},
    {"regulatory", "alert_severity", P_INT, F(regulatory.alert_severity), 1, 4},
    {NULL, "resolve_after_hours", P_HOURS, F(resolve_after_ms), 1, 24 * 365},
    {NULL, "warmup_days", P_INT, F(warmup_days), 0, 30},
    {"severity", "allergy", P_INT, F(severity[0]), 1, 4},
    {"severity", "counterfeit", P_INT, F(severity[1]), 1, 4},
    {"severity", "expired", P_INT, F(severity[2]), 1, 4},
    {"severity", "damaged", P_INT, F(severity[3]), 1, 4},
    {"severity", "label", P_INT, F(severity[4]), 1, 4},
    {"severity", "harmful", P_INT, F(severity[5]), 1, 4},
};
#undef F
#define NPARAMS (sizeof params / sizeof params[0])

static int is_section(const char *k)
{
    for (size_t i = 0; i < NPARAMS; i++)
        if (params[i].section && strcmp(params[i].section, k) == 0)
            return 1;
    return 0;
}

static const param *find_param(const char *section, const char *name)
{
    for (size_t i = 0; i < NPARAMS; i++)
        if (((!section && !params[i].section) ||
             (section && params[i].section && strcmp(section, params[i].section) == 0)) &&
            strcmp(params[i].name, name) == 0)
            return &params[i];
    return NULL;
}

static void key_name(const param *p, char *out, size_t n)
{
    if (p->section)
        snprintf(out, n, "%s.%s", p->section, p->name);
    else
        snprintf(out, n, "%s", p->name);
}

static ty_err set_param(const param *p, yajl_val v, ty_rules *r, char *err, size_t errn)
{
    char key[64];
    key_name(p, key, sizeof key);
    char *base = (char *)r + p->off;
    if (p->type == P_BOOL) {
        if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v)) {
            snprintf(err, errn, "%s: expected true or false", key);
            return TY_EINVAL;
        }
        *(int *)base = YAJL_IS_TRUE(v);
        return TY_OK;
    }
    if (!YAJL_IS_NUMBER(v)) {
        snprintf(err, errn, "%s: expected a number", key);
        return TY_EINVAL;
    }
    double x = YAJL_GET_DOUBLE(v);
    if ((p->type == P_INT || p->type == P_UINT) && !YAJL_IS_INTEGER(v)) {
        snprintf(err, errn, "%s: expected a whole number, got %g", key, x);
        return TY_EINVAL;
    }
    if (YAJL_IS_INTEGER(v))
        x = (double)YAJL_GET_INTEGER(v);
    if (!isfinite(x) || x < p->min || x > p->max) {
        snprintf(err, errn, "%s: must be between %g and %g, got %g", key, p->min, p->max, x);
        return TY_EINVAL;
    }
    switch (p->type) {
    case P_INT:
        *(int *)base = (int)x;
        break;
    case P_UINT:
        *(unsigned *)base = (unsigned)x;
        break;
    case P_REAL:
        *(double *)base = x;
        break;
    case P_HOURS:
        *(int64_t *)base = (int64_t)llround(x * 3600000.0);
        break;
    default:
        break;
    }
    return TY_OK;
}

static int version_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof((ty_rules *)0)->version)
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == ':' || *p == '-'))
            return 0;
    return 1;
}

static ty_err read_object(yajl_val o, ty_rules *r, char *err, size_t errn)
{
    if (!YAJL_IS_OBJECT(o)) {
        snprintf(err, errn, "the rules must be one JSON object");
        return TY_EINVAL;
    }
    int have_version = 0;
    for (size_t i = 0; i < YAJL_GET_OBJECT(o)->len; i++) {
        const char *k = YAJL_GET_OBJECT(o)->keys[i];
        yajl_val v = YAJL_GET_OBJECT(o)->values[i];
        if (strcmp(k, "version") == 0) {
            if (!YAJL_IS_STRING(v) || !version_ok(YAJL_GET_STRING(v))) {
                snprintf(err, errn,
                         "version: expected a string of 1 to 63 letters, digits, '.', '_', "
                         "':' or '-'");
                return TY_EINVAL;
            }
            snprintf(r->version, sizeof r->version, "%s", YAJL_GET_STRING(v));
            have_version = 1;
            continue;
        }
        if (is_section(k)) {
            if (!YAJL_IS_OBJECT(v)) {
                snprintf(err, errn, "%s: expected an object", k);
                return TY_EINVAL;
            }
            for (size_t j = 0; j < YAJL_GET_OBJECT(v)->len; j++) {
                const char *name = YAJL_GET_OBJECT(v)->keys[j];
                const param *p = find_param(k, name);
                if (!p) {
                    snprintf(err, errn, "%s.%s: unknown key", k, name);
                    return TY_EINVAL;
                }
                TY_TRY(set_param(p, YAJL_GET_OBJECT(v)->values[j], r, err, errn));
            }
            continue;
        }
        const param *p = find_param(NULL, k);
        if (!p) {
            snprintf(err, errn, "%s: unknown key", k);
            return TY_EINVAL;
        }
        TY_TRY(set_param(p, v, r, err, errn));
    }
    if (!have_version) {
        snprintf(err, errn, "version: required (it is written into every warning's rule version)");
        return TY_EINVAL;
    }
    if (r->change.run_days > r->change.base_days) {
        snprintf(err, errn, "change.run_days: must not exceed change.base_days (%d), got %d",
                 r->change.base_days, r->change.run_days);
        return TY_EINVAL;
    }
    if (r->change.min_active > r->change.base_days - 1) {
        snprintf(err, errn, "change.min_active: must be below change.base_days (%d), got %d",
                 r->change.base_days, r->change.min_active);
        return TY_EINVAL;
    }
    return TY_OK;
}

ty_err ty_rules_parse(const char *json, size_t n, ty_rules *r, char *err, size_t errn)
{
    if (n > TY_RULES_FILE_MAX) {
        snprintf(err, errn, "rules text of %zu bytes is over the limit of %u", n,
                 TY_RULES_FILE_MAX);
        return TY_ELIMIT;
    }
    if (memchr(json, '\0', n)) {
        snprintf(err, errn, "rules text contains a NUL byte");
        return TY_EPARSE;
    }
    char *text = malloc(n + 1);
    if (!text)
        return TY_ENOMEM;
    memcpy(text, json, n);
    text[n] = '\0';
    char perr[512];
    perr[0] = '\0';
    /* yajl_tree_parse allows comments */
    yajl_val o = yajl_tree_parse(text, perr, sizeof perr);
    free(text);
    if (!o) {
        /* yajl's message spans lines (with a pointer into the text): keep it on one */
        for (char *p = perr; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ' ';
        snprintf(err, errn, "not valid JSON: %s", perr[0] ? perr : "parse error");
        return TY_EPARSE;
    }
    ty_rules tmp = *r;
    ty_err e = read_object(o, &tmp, err, errn);
    yajl_tree_free(o);
    if (e == TY_OK)
        *r = tmp;
    return e;
}

ty_err ty_rules_load(const char *path, ty_rules *r, char *err, size_t errn)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int en = errno;
        snprintf(err, errn, "%s: %s", path, strerror(en));
        return en == ENOENT ? TY_ENOENT : TY_EIO;
    }
    char *buf = malloc(TY_RULES_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        return TY_ENOMEM;
    }
    size_t n = fread(buf, 1, TY_RULES_FILE_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    ty_err e;
    if (bad) {
        snprintf(err, errn, "%s: read error", path);
        e = TY_EIO;
    } else {
        char inner[400];
        e = ty_rules_parse(buf, n, r, inner, sizeof inner);
        if (e != TY_OK)
            snprintf(err, errn, "%s: %s", path, inner);
    }
    free(buf);
    return e;
}

/* ---------------------------------------------------------------- printing */

static void gen_str(yajl_gen g, const char *s)
{
    yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_param(yajl_gen g, const param *p, const ty_rules *r)
{
    const char *base = (const char *)r + p->off;
    gen_str(g, p->name);
    switch (p->type) {
    case P_BOOL:
        yajl_gen_bool(g, *(const int *)base);
        break;
    case P_INT:
        yajl_gen_integer(g, *(const int *)base);
        break;
    case P_UINT:
        yajl_gen_integer(g, *(const unsigned *)base);
        break;
    case P_REAL:
        yajl_gen_double(g, *(const double *)base);
        break;
    case P_HOURS:
        yajl_gen_double(g, (double)*(const int64_t *)base / 3600000.0);
        break;
    }
}

ty_err ty_rules_json(const ty_rules *r, ty_buf *out)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return TY_ENOMEM;
    yajl_gen_config(g, yajl_gen_beautify, 1);
    yajl_gen_map_open(g);
    gen_str(g, "version");
    gen_str(g, r->version);
    for (size_t i = 0; i < NPARAMS; i++)
        if (!params[i].section)
            gen_param(g, &params[i], r);
    const char *open = NULL;
    for (size_t i = 0; i < NPARAMS; i++) {
        if (!params[i].section)
            continue;
        if (!open || strcmp(open, params[i].section) != 0) {
            if (open)
                yajl_gen_map_close(g);
            open = params[i].section;
            gen_str(g, open);
            yajl_gen_map_open(g);
        }
        gen_param(g, &params[i], r);
    }
    if (open)
        yajl_gen_map_close(g);
    yajl_gen_map_close(g);
    const unsigned char *s;
    size_t n;
    yajl_gen_get_buf(g, &s, &n);
    ty_err e = ty_buf_append(out, s, n);
    yajl_gen_free(g);
    return e;
}
