/*
 * risk.c - the risk matrix (severity x probability -> risk level) and the
 * mapping of risk levels to Chinese early-warning levels (see risk.h).
 *
 * Confidence, in the words of the research notes (/work/research/engine-refs.md
 * sections 1 and 2, which docs/detection.md summarises):
 *  - Table 3 (severity), levels 1-3: CONFIRMED (primary, legislation.gov.uk).
 *    Level 4 is confirmed in 2019/417 up to "severe loss of l"; its end is
 *    taken from 2024/3173 Annex II point 3.3 (CONFIRMED, primary, there).
 *  - Table 4 (the matrix): the primary text could NOT be read. All 32 cells
 *    are CONFIRMED (secondary) from the UK OPSS PRISM code, which GOV.UK says
 *    "reflects the same risk level matrix" as EU Safety Gate; the one worked
 *    example readable in the primary text (2010/15/EU §6.1, folding chair)
 *    agrees. Confidence: high. Read EUR-Lex CELEX 32019D0417 Annex Part III
 *    Table 4 before citing it as the authority; whether 2024/3173 (the
 *    successor) changed the matrix is UNVERIFIED.
 *  - The Chinese labels and colours: CONFIRMED (secondary).
 */
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <string.h>

#include "tianyan/risk.h"

/* The quoted table is wider than the column limit: */
/* clang-format off */
/*
 * The matrix, quoted from the notes (source: repository
 * OfficeForProductSafetyAndStandards/product-safety-database, path
 * prism/app/services/prism/risk_matrix_service.rb, commit
 * 3112d6ad0ad52746f6cde6ae435d4858ad1a3602, constant RISK_MATRIX; read again in
 * that file while writing this table):
 *
 * | Probability of harm (2019/417 band label) | PRISM key | Severity 1 | Severity 2 | Severity 3 | Severity 4 |
 * |---|---|---|---|---|---|
 * | High: > 50 % | `more_than_or_equal_to_1_in_2` | **High** | **Serious** | **Serious** | **Serious** |
 * | > 1/10 | `more_than_or_equal_to_1_in_10` | **Medium** | **Serious** | **Serious** | **Serious** |
 * | > 1/100 | `more_than_or_equal_to_1_in_100` | **Medium** | **Serious** | **Serious** | **Serious** |
 * | > 1/1 000 | `more_than_or_equal_to_1_in_1000` | **Low** | **High** | **Serious** | **Serious** |
 * | > 1/10 000 | `more_than_or_equal_to_1_in_10000` | **Low** | **Medium** | **High** | **Serious** |
 * | > 1/100 000 | `more_than_or_equal_to_1_in_100000` | **Low** | **Low** | **Medium** | **High** |
 * | > 1/1 000 000 | `more_than_or_equal_to_1_in_1000000` | **Low** | **Low** | **Low** | **Medium** |
 * | Low: < 1/1 000 000 | `less_than_1_in_1000000` | **Low** | **Low** | **Low** | **Low** |
 *
 * Counts: Serious 12, High 4, Medium 5, Low 11 (32 cells). tests/unit/test_risk.c
 * checks every cell against its own copy of this table, the counts, and that
 * the table is monotone.
 */
#define L TY_RISK_LOW
#define M TY_RISK_MEDIUM
#define H TY_RISK_HIGH
#define S TY_RISK_SERIOUS
static const unsigned char matrix[TY_BAND__COUNT][TY_SEVERITY_MAX] = {
    /*                        severity 1  2  3  4 */
    [TY_BAND_1_2]       = {H, S, S, S}, /* High: > 50 % */
    [TY_BAND_1_10]      = {M, S, S, S}, /* > 1/10 */
    [TY_BAND_1_100]     = {M, S, S, S}, /* > 1/100 */
    [TY_BAND_1_1000]    = {L, H, S, S}, /* > 1/1 000 */
    [TY_BAND_1_10000]   = {L, M, H, S}, /* > 1/10 000 */
    [TY_BAND_1_100000]  = {L, L, M, H}, /* > 1/100 000 */
    [TY_BAND_1_1000000] = {L, L, L, M}, /* > 1/1 000 000 */
    [TY_BAND_LOWER]     = {L, L, L, L}, /* Low: < 1/1 000 000 */
};
/* clang-format on */
#undef L
#undef M
#undef H
#undef S

/* Lower bound and 2019/417 label of each band. */
static const struct {
    double floor;
    const char *label;
} bands[TY_BAND__COUNT] = {
    [TY_BAND_1_2] = {1.0 / 2, "> 50 %"},
    [TY_BAND_1_10] = {1.0 / 10, "> 1/10"},
    [TY_BAND_1_100] = {1.0 / 100, "> 1/100"},
    [TY_BAND_1_1000] = {1.0 / 1000, "> 1/1 000"},
    [TY_BAND_1_10000] = {1.0 / 10000, "> 1/10 000"},
    [TY_BAND_1_100000] = {1.0 / 100000, "> 1/100 000"},
    [TY_BAND_1_1000000] = {1.0 / 1000000, "> 1/1 000 000"},
    [TY_BAND_LOWER] = {0.0, "< 1/1 000 000"},
};

/*
 * 2019/417 Annex Part III, Table 3 "Severity of injury", levels as quoted in
 * the notes from legislation.gov.uk. The stored excerpt of level 4 stops at
 * "severe loss of l"; the rest is 2024/3173 Annex II point 3.3, Harm level 4,
 * "Health/safety harm" column.
 */
static const char *const severity_text[TY_SEVERITY_MAX] = {
    "Harm or consequence that after basic treatment (first aid, normally not by a doctor) does "
    "not substantially hamper functioning or cause excessive pain; usually the consequences are "
    "completely reversible.",
    "Harm or consequence for which a visit to A&E may be necessary, but in general, "
    "hospitalisation is not required. Functioning may be affected for a limited period, not more "
    "than about 6 months, and recovery is more or less complete.",
    "Harm or consequence that normally requires hospitalisation and will affect functioning for "
    "more than 6 months or lead to a permanent loss of function.",
    "Harm or consequence that is or could be fatal, including brain death; consequences that "
    "affect reproduction or offspring; severe loss of limbs and/or function, leading to more "
    "than approximately 10 % of disability.",
};

/*
 * Warning levels. Labels: 国家突发公共事件总体应急预案 (State Council, 2006)
 * §3.1: "预警级别……一般划分为四级：Ⅰ级（特别严重）、Ⅱ级（严重）、Ⅲ级（较重）和Ⅳ级
 * （一般），依次用红色、橙色、黄色和蓝色表示". Four levels and four colours, level
 * one the highest: 中华人民共和国突发事件应对法 (2007) Art. 42 ("分为一级、二级、
 * 三级和四级，分别用红色、橙色、黄色和蓝色标示，一级为最高级别"; the 2024 revision's
 * article number is unverified). Which risk level maps to which warning level is
 * a design choice of Tianyan, not law: the four EU risk levels onto the four
 * Chinese levels in order.
 *
 * Orange has no 16-colour terminal code; 256-colour 208 is orange on every
 * common terminal.
 */
static const ty_level_info levels[4] = {
    {TY_LEVEL_I, "I", "Ⅰ级", "特别严重", "particularly serious", "红色", "red", "\033[1;31m",
     TY_RISK_SERIOUS},
    {TY_LEVEL_II, "II", "Ⅱ级", "严重", "serious", "橙色", "orange", "\033[1;38;5;208m",
     TY_RISK_HIGH},
    {TY_LEVEL_III, "III", "Ⅲ级", "较重", "relatively serious", "黄色", "yellow", "\033[1;33m",
     TY_RISK_MEDIUM},
    {TY_LEVEL_IV, "IV", "Ⅳ级", "一般", "general", "蓝色", "blue", "\033[1;34m", TY_RISK_LOW},
};

static const char *const risk_names[TY_RISK__COUNT] = {"low", "medium", "high", "serious"};

ty_err ty_risk_band(double p, ty_prob_band *band)
{
    if (!(p >= 0.0 && p <= 1.0)) /* also false for NaN */
        return TY_EINVAL;
    /*
     * Inclusive lower bounds (PRISM's "more_than_or_equal_to_1_in_n"), where
     * 2019/417's labels read "> 1/n". Why: the notes found nothing in the
     * primary text on how an exact 1/n is classed; PRISM is the only official
     * implementation read, and the matrix cells come from it, so band and cell
     * come from one source; and for a warning system the cautious choice on a
     * tie is the more probable band. Unlike PRISM we do not round 1/p to an
     * integer n first (which moves every boundary: 1/10.4 would count as 1 in
     * 10); the tolerance only absorbs floating-point error in products of step
     * probabilities.
     */
    for (int b = 0; b < TY_BAND_LOWER; b++) {
        if (p >= bands[b].floor * (1.0 - TY_BAND_TOLERANCE)) {
            *band = (ty_prob_band)b;
            return TY_OK;
        }
    }
    *band = TY_BAND_LOWER;
    return TY_OK;
}

double ty_band_floor(ty_prob_band band)
{
    return (unsigned)band < TY_BAND__COUNT ? bands[band].floor : 0.0;
}

const char *ty_band_label(ty_prob_band band)
{
    return (unsigned)band < TY_BAND__COUNT ? bands[band].label : "?";
}

ty_risk ty_risk_matrix(int severity, ty_prob_band band)
{
    assert(severity >= TY_SEVERITY_MIN && severity <= TY_SEVERITY_MAX);
    assert((unsigned)band < TY_BAND__COUNT);
    return (ty_risk)matrix[band][severity - 1];
}

ty_level ty_risk_level(ty_risk risk)
{
    switch (risk) {
    case TY_RISK_SERIOUS:
        return TY_LEVEL_I;
    case TY_RISK_HIGH:
        return TY_LEVEL_II;
    case TY_RISK_MEDIUM:
        return TY_LEVEL_III;
    default:
        return TY_LEVEL_IV;
    }
}

ty_err ty_risk_assess(int severity, double p, ty_risk_assessment *out)
{
    ty_prob_band band;
    if (severity < TY_SEVERITY_MIN || severity > TY_SEVERITY_MAX)
        return TY_EINVAL;
    TY_TRY(ty_risk_band(p, &band));
    out->severity = severity;
    out->probability = p;
    out->band = band;
    out->risk = ty_risk_matrix(severity, band);
    out->level = ty_risk_level(out->risk);
    return TY_OK;
}

const char *ty_risk_name(ty_risk risk)
{
    return (unsigned)risk < TY_RISK__COUNT ? risk_names[risk] : "?";
}

const char *ty_severity_text(int severity)
{
    if (severity < TY_SEVERITY_MIN || severity > TY_SEVERITY_MAX)
        return NULL;
    return severity_text[severity - 1];
}

const ty_level_info *ty_level_get(int level)
{
    if (level < TY_LEVEL_I || level > TY_LEVEL_IV)
        return NULL;
    return &levels[level - 1];
}

ty_err ty_level_parse(const char *s, ty_level *level)
{
    if (!s)
        return TY_EINVAL;
    for (int i = 0; i < 4; i++) {
        const char *r = levels[i].roman;
        size_t n = strlen(r);
        int same = strlen(s) == n;
        for (size_t k = 0; same && k < n; k++)
            same = toupper((unsigned char)s[k]) == r[k];
        if (same || (s[0] == (char)('1' + i) && s[1] == '\0')) {
            *level = levels[i].level;
            return TY_OK;
        }
    }
    return TY_EINVAL;
}
