/*
 * test_risk.c - the risk matrix against its source, the band boundary rule,
 * the folding-chair example of Decision 2010/15/EU, and the mapping of risk
 * levels to the Chinese warning levels (risk.h).
 */
#include <math.h>

#include "check.h"
#include "tianyan/risk.h"

/*
 * Our own copy of the table, typed from the research notes
 * (/work/research/engine-refs.md §1b), which quote the UK OPSS PRISM code
 * (product-safety-database, prism/app/services/prism/risk_matrix_service.rb,
 * commit 3112d6ad0ad52746f6cde6ae435d4858ad1a3602, constant RISK_MATRIX), said
 * by GOV.UK to reflect the 2019/417 Table 4 matrix. Rows are bands, most
 * probable first; columns severity 1-4.
 */
static const char *const table4[8][4] = {
    {"high", "serious", "serious", "serious"},   /* High: > 50 % */
    {"medium", "serious", "serious", "serious"}, /* > 1/10 */
    {"medium", "serious", "serious", "serious"}, /* > 1/100 */
    {"low", "high", "serious", "serious"},       /* > 1/1 000 */
    {"low", "medium", "high", "serious"},        /* > 1/10 000 */
    {"low", "low", "medium", "high"},            /* > 1/100 000 */
    {"low", "low", "low", "medium"},             /* > 1/1 000 000 */
    {"low", "low", "low", "low"},                /* Low: < 1/1 000 000 */
};

/* A probability well inside each band (the geometric middle of its bounds). */
static double inside(int band)
{
    if (band == TY_BAND_1_2)
        return 0.75;
    if (band == TY_BAND_LOWER)
        return 1e-7;
    return sqrt(ty_band_floor((ty_prob_band)band) * ty_band_floor((ty_prob_band)(band - 1)));
}

static void test_every_cell(void)
{
    int counts[TY_RISK__COUNT] = {0};
    for (int b = 0; b < TY_BAND__COUNT; b++) {
        for (int sev = 1; sev <= 4; sev++) {
            ty_risk r = ty_risk_matrix(sev, (ty_prob_band)b);
            CHECK_STR(ty_risk_name(r), table4[b][sev - 1]);
            counts[r]++;
            /* the same cell through the public entry point, from a probability */
            ty_risk_assessment a;
            CHECK_INT(ty_risk_assess(sev, inside(b), &a), TY_OK);
            CHECK_INT(a.band, b);
            CHECK_INT(a.risk, r);
            CHECK_INT(a.severity, sev);
        }
    }
    /* the notes: "Serious 12, High 4, Medium 5, Low 11 (32 cells)" */
    CHECK_INT(counts[TY_RISK_SERIOUS], 12);
    CHECK_INT(counts[TY_RISK_HIGH], 4);
    CHECK_INT(counts[TY_RISK_MEDIUM], 5);
    CHECK_INT(counts[TY_RISK_LOW], 11);
    /* monotone: a less probable band or a milder severity never raises the risk */
    for (int b = 0; b < TY_BAND__COUNT; b++)
        for (int sev = 1; sev <= 4; sev++) {
            if (b + 1 < TY_BAND__COUNT)
                CHECK(ty_risk_matrix(sev, (ty_prob_band)(b + 1)) <=
                      ty_risk_matrix(sev, (ty_prob_band)b));
            if (sev > 1)
                CHECK(ty_risk_matrix(sev - 1, (ty_prob_band)b) <=
                      ty_risk_matrix(sev, (ty_prob_band)b));
        }
}

/* 2010/15/EU Annex Part IV §6.1 "Folding chair": both readable scenarios are
 * severity 1 (minor pinching of a finger) with step probabilities
 * 1 x 1/50 x 1/10 x 1 = 1/500, band "> 1/1 000", "Low risk". */
static void test_folding_chair(void)
{
    double p = 1.0 * (1.0 / 50) * (1.0 / 10) * 1.0;
    ty_risk_assessment a;
    CHECK_INT(ty_risk_assess(1, p, &a), TY_OK);
    CHECK_INT(a.band, TY_BAND_1_1000);
    CHECK_STR(ty_band_label(a.band), "> 1/1 000");
    CHECK_INT(a.risk, TY_RISK_LOW);
    CHECK_INT(a.level, TY_LEVEL_IV);
}

/* The other test vectors the notes list (they exercise the table only). */
static void test_vectors(void)
{
    static const struct {
        int sev;
        double p;
        ty_risk risk;
    } v[] = {
        {2, 1.0 / 500, TY_RISK_HIGH},    {3, 1.0 / 500, TY_RISK_SERIOUS},
        {4, 1.0 / 50000, TY_RISK_HIGH},  {4, 1.0 / 500000, TY_RISK_MEDIUM},
        {1, 0.6, TY_RISK_HIGH},          {1, 1.0 / 2000000, TY_RISK_LOW},
        {2, 1.0 / 2000000, TY_RISK_LOW}, {3, 1.0 / 2000000, TY_RISK_LOW},
        {4, 1.0 / 2000000, TY_RISK_LOW},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        ty_risk_assessment a;
        CHECK_INT(ty_risk_assess(v[i].sev, v[i].p, &a), TY_OK);
        CHECK_INT(a.risk, v[i].risk);
    }
}

/*
 * The boundary rule: a probability exactly on a boundary is in the higher
 * band (PRISM's ">= 1 in n"; 2019/417 labels read "> 1/n"), a value a hair
 * below (floating-point error of a product) too, a value clearly below is not.
 */
static void test_boundaries(void)
{
    static const double floor_of[7] = {1.0 / 2,     1.0 / 10,     1.0 / 100,    1.0 / 1000,
                                       1.0 / 10000, 1.0 / 100000, 1.0 / 1000000};
    ty_prob_band b;
    for (int k = 0; k < 7; k++) {
        CHECK(ty_band_floor((ty_prob_band)k) == floor_of[k]);
        CHECK_INT(ty_risk_band(floor_of[k], &b), TY_OK);
        CHECK_INT(b, k); /* exactly 1/n: the higher band */
        CHECK_INT(ty_risk_band(nextafter(floor_of[k], 0), &b), TY_OK);
        CHECK_INT(b, k); /* one ulp below: still on the boundary */
        CHECK_INT(ty_risk_band(floor_of[k] * (1 - 1e-6), &b), TY_OK);
        CHECK_INT(b, k + 1); /* clearly below: the next band */
        CHECK_INT(ty_risk_band(floor_of[k] * (1 + 1e-6), &b), TY_OK);
        CHECK_INT(b, k);
    }
    /* 0.7 x 1/7 is 0.09999999999999999 in doubles: the product of the steps of
     * a scenario whose probability is 1/10 must not drop a band */
    double p = 0.7 * (1.0 / 7);
    CHECK(p < 0.1);
    CHECK_INT(ty_risk_band(p, &b), TY_OK);
    CHECK_INT(b, TY_BAND_1_10);
    /* what the rule decides: severity 1 at exactly 1/10 is medium (> 1/10), and
     * at exactly 1/2 it is high; severity 2 at exactly 1/1 000 is high, at 1/1 001 medium */
    ty_risk_assessment a;
    CHECK_INT(ty_risk_assess(1, 0.5, &a), TY_OK);
    CHECK_INT(a.risk, TY_RISK_HIGH);
    CHECK_INT(ty_risk_assess(1, 0.1, &a), TY_OK);
    CHECK_INT(a.band, TY_BAND_1_10);
    CHECK_INT(ty_risk_assess(2, 1.0 / 1000, &a), TY_OK);
    CHECK_INT(a.risk, TY_RISK_HIGH);
    CHECK_INT(ty_risk_assess(2, 1.0 / 1001, &a), TY_OK);
    CHECK_INT(a.risk, TY_RISK_MEDIUM);
    /* the ends */
    CHECK_INT(ty_risk_band(1.0, &b), TY_OK);
    CHECK_INT(b, TY_BAND_1_2);
    CHECK_INT(ty_risk_band(0.0, &b), TY_OK);
    CHECK_INT(b, TY_BAND_LOWER);
    CHECK_INT(ty_risk_band(1e-6 * (1 - 1e-6), &b), TY_OK);
    CHECK_INT(b, TY_BAND_LOWER);
    /* refused */
    b = TY_BAND_1_100;
    CHECK_INT(ty_risk_band(NAN, &b), TY_EINVAL);
    CHECK_INT(ty_risk_band(-0.01, &b), TY_EINVAL);
    CHECK_INT(ty_risk_band(1.01, &b), TY_EINVAL);
    CHECK_INT(ty_risk_band(INFINITY, &b), TY_EINVAL);
    CHECK_INT(b, TY_BAND_1_100); /* untouched */
    CHECK_INT(ty_risk_assess(0, 0.5, &a), TY_EINVAL);
    CHECK_INT(ty_risk_assess(5, 0.5, &a), TY_EINVAL);
    CHECK_STR(ty_band_label(TY_BAND_LOWER), "< 1/1 000 000");
    CHECK_STR(ty_band_label(TY_BAND__COUNT), "?");
}

/* serious -> I red 特别严重, high -> II orange 严重, medium -> III yellow 较重,
 * low -> IV blue 一般 (2006 总体应急预案 §3.1; Emergency Response Law 2007 Art. 42). */
static void test_levels(void)
{
    static const struct {
        ty_risk risk;
        ty_level level;
        const char *roman, *zh, *colour, *colour_zh;
    } m[] = {
        {TY_RISK_SERIOUS, TY_LEVEL_I, "I", "特别严重", "red", "红色"},
        {TY_RISK_HIGH, TY_LEVEL_II, "II", "严重", "orange", "橙色"},
        {TY_RISK_MEDIUM, TY_LEVEL_III, "III", "较重", "yellow", "黄色"},
        {TY_RISK_LOW, TY_LEVEL_IV, "IV", "一般", "blue", "蓝色"},
    };
    for (size_t i = 0; i < 4; i++) {
        CHECK_INT(ty_risk_level(m[i].risk), m[i].level);
        const ty_level_info *li = ty_level_get(m[i].level);
        CHECK(li != NULL);
        if (!li)
            continue;
        CHECK_INT(li->level, m[i].level);
        CHECK_INT(li->risk, m[i].risk);
        CHECK_STR(li->roman, m[i].roman);
        CHECK_STR(li->label_zh, m[i].zh);
        CHECK_STR(li->colour, m[i].colour);
        CHECK_STR(li->colour_zh, m[i].colour_zh);
        CHECK(li->label_en[0] != '\0');
        ty_level l;
        CHECK_INT(ty_level_parse(m[i].roman, &l), TY_OK);
        CHECK_INT(l, m[i].level);
    }
    CHECK_STR(ty_level_get(TY_LEVEL_I)->zh, "Ⅰ级");
    CHECK(ty_level_get(0) == NULL);
    CHECK(ty_level_get(5) == NULL);
    ty_level l = TY_LEVEL_IV;
    CHECK_INT(ty_level_parse("ii", &l), TY_OK);
    CHECK_INT(l, TY_LEVEL_II);
    CHECK_INT(ty_level_parse("3", &l), TY_OK);
    CHECK_INT(l, TY_LEVEL_III);
    CHECK_INT(ty_level_parse("V", &l), TY_EINVAL);
    CHECK_INT(ty_level_parse("", &l), TY_EINVAL);
    CHECK_INT(ty_level_parse("IIII", &l), TY_EINVAL);
    CHECK_INT(ty_level_parse("5", &l), TY_EINVAL);
    CHECK_INT(ty_level_parse("1x", &l), TY_EINVAL);
    CHECK_INT(ty_level_parse(NULL, &l), TY_EINVAL);
    /* a worse risk never gets a lower (larger-numbered) warning level */
    for (int r = 1; r < TY_RISK__COUNT; r++)
        CHECK(ty_risk_level((ty_risk)r) < ty_risk_level((ty_risk)(r - 1)));
}

static void test_severity_text(void)
{
    CHECK_CONTAINS(ty_severity_text(1), "first aid, normally not by a doctor");
    CHECK_CONTAINS(ty_severity_text(2), "a visit to A&E may be necessary");
    CHECK_CONTAINS(ty_severity_text(3), "normally requires hospitalisation");
    CHECK_CONTAINS(ty_severity_text(4), "more than approximately 10 % of disability");
    CHECK(ty_severity_text(0) == NULL);
    CHECK(ty_severity_text(5) == NULL);
    CHECK_CONTAINS(TY_RISK_MATRIX_SOURCE, "2019/417");
}

int main(void)
{
    test_every_cell();
    test_folding_chair();
    test_vectors();
    test_boundaries();
    test_levels();
    test_severity_text();
    return check_done("test_risk");
}
