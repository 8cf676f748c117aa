/*
 * risk.h - risk assessment: severity of harm x probability of harm -> risk
 * level (the EU Safety Gate method) -> Chinese early-warning level (I red ...
 * IV blue).
 *
 * Method (sources and confidence: docs/detection.md, "From signals to
 * warnings"):
 *  - severity 1-4 as defined in Commission Implementing Decision (EU) 2019/417,
 *    Annex Part III, Table 3 "Severity of injury" (ty_severity_text());
 *  - the probability of the harm scenario (product of its step probabilities)
 *    falls into one of eight bands, > 1/2 ... > 1/1 000 000 and lower;
 *  - an 8 x 4 matrix gives low / medium / high / serious (2019/417 Table 4,
 *    cells as reproduced in the UK OPSS PRISM code; see risk.c);
 *  - the risk level maps to a warning level: serious -> I, high -> II,
 *    medium -> III, low -> IV (State Council 国家突发公共事件总体应急预案 2006
 *    section 3.1 for the labels; Emergency Response Law 2007 Art. 42 for the four
 *    levels and colours).
 *
 * Band boundaries: a probability exactly on a boundary belongs to the HIGHER
 * band (p >= 1/10 is in "> 1/10"), as PRISM does, and a value within one part
 * in 10^9 below a boundary counts as on it (floating-point products of step
 * probabilities: 0.7 * (1/7) is 0.09999999999999999). See ty_risk_band().
 *
 * Everything here is pure, allocation-free and thread-safe; the returned
 * strings are static.
 */
#ifndef TIANYAN_RISK_H
#define TIANYAN_RISK_H

#include "tianyan/error.h"

/* Severity levels of 2019/417 Table 3. */
enum { TY_SEVERITY_MIN = 1, TY_SEVERITY_MAX = 4 };

/* Probability bands, most probable first. The comment is the band's label in
 * 2019/417 ("> 1/10" means: at least 1/10 here, see above). */
typedef enum ty_prob_band {
    TY_BAND_1_2,       /* "> 50 %" (High) */
    TY_BAND_1_10,      /* "> 1/10" */
    TY_BAND_1_100,     /* "> 1/100" */
    TY_BAND_1_1000,    /* "> 1/1 000" */
    TY_BAND_1_10000,   /* "> 1/10 000" */
    TY_BAND_1_100000,  /* "> 1/100 000" */
    TY_BAND_1_1000000, /* "> 1/1 000 000" */
    TY_BAND_LOWER,     /* "< 1/1 000 000" (Low) */
    TY_BAND__COUNT
} ty_prob_band;

/* Risk levels of the matrix, least first (so a larger value is a worse risk). */
typedef enum ty_risk {
    TY_RISK_LOW,
    TY_RISK_MEDIUM,
    TY_RISK_HIGH,
    TY_RISK_SERIOUS,
    TY_RISK__COUNT
} ty_risk;

/* Chinese early-warning levels. I is the HIGHEST (一级为最高级别), so a smaller
 * value is a more severe warning. */
typedef enum ty_level {
    TY_LEVEL_I = 1,
    TY_LEVEL_II = 2,
    TY_LEVEL_III = 3,
    TY_LEVEL_IV = 4,
} ty_level;

/* Relative tolerance below a band boundary that still counts as on it. */
#define TY_BAND_TOLERANCE 1e-9

/* Where the matrix comes from, for explanations and reports. */
#define TY_RISK_MATRIX_SOURCE                                                            \
    "Commission Implementing Decision (EU) 2019/417, Annex Part III, Table 4 (OJ L 73, " \
    "15.3.2019); cells as in the UK OPSS PRISM code (risk_matrix_service.rb, commit "    \
    "3112d6ad), which GOV.UK says reflects the same risk level matrix as EU Safety Gate"

/* One assessment, as stored with a warning. */
typedef struct ty_risk_assessment {
    int severity;       /* 1-4 */
    double probability; /* as given, in [0, 1] */
    ty_prob_band band;
    ty_risk risk;
    ty_level level;
} ty_risk_assessment;

/*
 * Band of probability p in [0, 1]: the first band whose lower bound b
 * satisfies p >= b * (1 - TY_BAND_TOLERANCE); TY_BAND_LOWER when none does
 * (including p = 0). TY_EINVAL (and *band untouched) when p is NaN or outside
 * [0, 1].
 */
ty_err ty_risk_band(double p, ty_prob_band *band);

/* Lower bound of a band (1/2, 1/10, ... 1/1 000 000; 0 for TY_BAND_LOWER). */
double ty_band_floor(ty_prob_band band);

/* Label of a band as 2019/417 prints it ("> 1/1 000"); "?" when out of range. */
const char *ty_band_label(ty_prob_band band);

/* The matrix cell. Requires 1 <= severity <= 4 and a valid band (asserted);
 * use ty_risk_assess() for unchecked input. */
ty_risk ty_risk_matrix(int severity, ty_prob_band band);

/* Severity and probability to band, risk and warning level. TY_EINVAL when
 * severity is not 1-4 or p is not in [0, 1]. */
ty_err ty_risk_assess(int severity, double p, ty_risk_assessment *out);

/* "low", "medium", "high", "serious"; "?" when out of range. */
const char *ty_risk_name(ty_risk risk);

/* The text of a severity level in 2019/417 Table 3 (level 4 completed from
 * 2024/3173, see risk.c); NULL when severity is not 1-4. */
const char *ty_severity_text(int severity);

/* Warning level for a risk level: serious I, high II, medium III, low IV. */
ty_level ty_risk_level(ty_risk risk);

/* What a warning level is called and shown as. */
typedef struct ty_level_info {
    ty_level level;
    const char *roman;     /* "I" .. "IV" (ASCII, for command lines and JSON) */
    const char *zh;        /* "Ⅰ级" .. "Ⅳ级" */
    const char *label_zh;  /* 特别严重 / 严重 / 较重 / 一般 (2006 预案 §3.1) */
    const char *label_en;  /* "particularly serious", "serious", "relatively serious", "general" */
    const char *colour_zh; /* 红色 / 橙色 / 黄色 / 蓝色 */
    const char *colour;    /* "red", "orange", "yellow", "blue" */
    const char *ansi;      /* terminal escape that starts the colour (ends with "\033[0m") */
    ty_risk risk;          /* the risk level it stands for */
} ty_level_info;

/* Static description of a level; NULL when level is not I-IV. */
const ty_level_info *ty_level_get(int level);

/* Parses "I", "II", "III", "IV" (any case) or "1".."4". TY_EINVAL otherwise. */
ty_err ty_level_parse(const char *s, ty_level *level);

#endif
