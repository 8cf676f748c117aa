/*
 * rules.h - the risk engine's rules: every detector parameter, with its
 * default, read from a versioned JSON file (data/rules/default.json is the
 * shipped one; docs/detection.md, "Detectors", gives each parameter's source).
 *
 * A rules file is one JSON object; "//" and block comments are allowed (the
 * shipped file cites its sources in them). "version" is required: it is written
 * into every warning's rule version ("rate.allergy/<version>"), so a warning
 * always says which rules raised it. Every other key is optional and keeps its
 * default when absent; an unknown key, a value of the wrong type or out of its
 * range is an error that names the key ("rate.factor: must be between 1 and
 * 100, got 0.5"), so a misspelt parameter never silently falls back to its
 * default.
 */
#ifndef TIANYAN_RULES_H
#define TIANYAN_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/buf.h"
#include "tianyan/error.h"

/* Risk classes the detectors judge, in this order everywhere. */
#define TY_RULE_CLASSES 6 /* allergy, counterfeit, expired, damaged, label, harmful */

/* Largest rules file read. */
#define TY_RULES_FILE_MAX (256u * 1024u)

typedef struct ty_rules {
    char version[64]; /* 1-63 of [A-Za-z0-9._:-] */
    struct {
        int enabled;
        int window_days;     /* days a rate is taken over */
        unsigned min_count;  /* fewer reports never make a rate signal */
        double factor;       /* "far above": this many times the typical rate of the kind */
        double confidence;   /* posterior probability that the rate is above that */
        unsigned min_orders; /* fewer orders in the window: no rate judged */
    } rate;
    struct {
        int enabled;
        int base_days;       /* own history the baseline comes from */
        int run_days;        /* days the CUSUM runs over, ending today */
        int min_active;      /* active days of history needed to judge */
        double lambda_min;   /* floor of the daily baseline */
        double arl0;         /* in-control average run length, days */
        unsigned min_recent; /* reports in the last 2 days needed */
    } change;
    struct {
        int enabled;
        unsigned min_merchants; /* sellers needed for a norm */
        unsigned min_sales;     /* prices each seller needs */
        double fraction;        /* "far below": under this fraction of the norm */
        double z_cutoff;        /* and a modified z-score below minus this */
        unsigned evidence_min;  /* counterfeit reports (7 days) that raise severity */
    } price;
    struct {
        int enabled;
        unsigned min_cases;   /* reports of the pair (Evans n >= 3) */
        double prr_min;       /* Evans PRR >= 2 */
        double chi2_min;      /* Evans chi-squared (Yates) >= 4 */
        double ic025_min;     /* lower 95% limit of the shrinkage IC > 0 */
        double eb05_min;      /* MGPS EB05 >= 2 (Szarfman et al. 2002); 0: not used */
        unsigned min_reports; /* reports in the database before any pair is judged */
    } dispro;
    struct {
        int enabled;
        int restricted;           /* also warn (severity 1) on Annex III presence */
        unsigned alert_min_words; /* product words a Safety Gate match needs */
        int prohibited_severity;  /* severity of an Annex II substance */
        int alert_severity;       /* of a product a Safety Gate alert names */
    } regulatory;
    int64_t resolve_after_ms;      /* a clear must hold this long (event time) */
    int warmup_days;               /* a platform's first days: returns and complaints still lag its
                                      orders, so rates and baselines are not judged yet */
    int severity[TY_RULE_CLASSES]; /* usual harm of each class, 2019/417 Table 3 */
} ty_rules;

/* The built-in defaults (equal to data/rules/default.json; a test checks). */
void ty_rules_defaults(ty_rules *r);

/* Name of class c (0 .. TY_RULE_CLASSES-1): "allergy" ...; "?" otherwise. */
const char *ty_rule_class_name(int c);

/*
 * Reads rules from the JSON text (n bytes) over the defaults into *r. On error
 * *r is unchanged and err names the key or the JSON position: TY_EPARSE for a
 * syntax error, TY_EINVAL for a missing version, an unknown key, a wrong type or
 * a value out of range, TY_ELIMIT for a text over TY_RULES_FILE_MAX.
 */
ty_err ty_rules_parse(const char *json, size_t n, ty_rules *r, char *err, size_t errn);

/* ty_rules_parse() on a file; TY_ENOENT / TY_EIO when it cannot be read. */
ty_err ty_rules_load(const char *path, ty_rules *r, char *err, size_t errn);

/* Appends r as a JSON object (every key, as a rules file would give it). */
ty_err ty_rules_json(const ty_rules *r, ty_buf *out);

#endif
