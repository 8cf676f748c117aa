/*
 * text.c - buyer text for the simulated feeds: reviews, return notes,
 * complaints and adverse-event narratives in simplified Chinese, traditional
 * Chinese and English, composed from the phrase banks of data/sim/phrases.txt.
 *
 * Traditional Chinese is never written by hand: a text is composed from the
 * simplified banks and the whole text is then converted with OpenCC's s2hk
 * configuration (Hong Kong traditional characters and phrasing), so both
 * scripts carry the same vocabulary and a change to a phrase reaches both.
 * Converting the finished text lets OpenCC see whole phrases, including the
 * ones that span a placeholder. OpenCC segments by longest dictionary match,
 * so the banks avoid sequences that match the wrong word: "3天后" ("after 3
 * days") would match 天后 ("queen of heaven") and keep 后, so they write 天之后.
 */
#include <stdio.h>
#include <string.h>

#include <opencc/opencc.h>

#include "sim_impl.h"

/* Section suffix per language: traditional texts are composed in simplified first. */
static const char *const lang_tag[SIM_LANGS] = {"zh", "zh", "en"};

/* Sections the composer reads, per language (".zh" / ".en"; ".hant" is derived). */
static const char *const needed[] = {
    "review.pos",
    "review.close",
    "review.neu",
    "review.neg",
    "review.negclose",
    "risk.allergy",
    "risk.counterfeit",
    "risk.expired",
    "risk.damaged",
    "risk.label",
    "risk.ingredient",
    "return.no_reason",
    "return.not_as_described",
    "return.quality_problem",
    "return.wrong_item",
    "return.missing_parts",
    "return.late_delivery",
    "return.other",
    "return.spoiled",
    "complaint.open",
    "complaint.quality",
    "complaint.delivery",
    "complaint.after_sales",
    "complaint.customs_tax",
    "complaint.price",
    "complaint.false_advertising",
    "complaint.privacy",
    "complaint.other",
    "complaint.demand",
    "complaint.demand_risk",
    "ae.text",
    "ae.symptom",
};

#define CC_FAILED ((opencc_t)-1)

ty_err sim_text_init(sim_text *tx, const char *data_dir, int hant, char *err, size_t errn)
{
    char path[512];
    memset(tx, 0, sizeof *tx);
    snprintf(path, sizeof path, "%s/sim/phrases.txt", data_dir);
    TY_TRY(sim_bank_load(&tx->bank, path, err, errn));
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        for (int l = 0; l < SIM_LANGS; l++) {
            if (l == SIM_LANG_HANT)
                continue;
            char name[96];
            const sim_list *s;
            snprintf(name, sizeof name, "%s.%s", needed[i], lang_tag[l]);
            TY_TRY(sim_bank_need(&tx->bank, name, &s, err, errn));
        }
    if (!hant)
        return TY_OK;
    /* s2hk: Hong Kong standard characters, matching the buyers of that platform */
    tx->cc = opencc_open("s2hk.json");
    if (tx->cc == CC_FAILED) {
        tx->cc = NULL;
        snprintf(err, errn, "OpenCC: cannot open s2hk.json: %s", opencc_error());
        return TY_EIO;
    }
    return TY_OK;
}

void sim_text_free(sim_text *tx)
{
    if (tx->cc)
        opencc_close(tx->cc);
    sim_bank_free(&tx->bank);
    memset(tx, 0, sizeof *tx);
}

/* Replaces the contents of b with their traditional-character form. */
static ty_err buf_to_hant(sim_text *tx, ty_buf *b)
{
    if (!tx->cc)
        return TY_EINVAL;
    char *s = opencc_convert_utf8(tx->cc, ty_buf_cstr(b), b->len);
    if (!s)
        return TY_EINVAL;
    ty_buf_reset(b);
    ty_err e = ty_buf_puts(b, s);
    opencc_convert_utf8_free(s);
    return e;
}

ty_err sim_text_to_hant(sim_text *tx, const char *in, char *out, size_t outn)
{
    if (!tx->cc)
        return TY_EINVAL;
    char *s = opencc_convert_utf8(tx->cc, in, (size_t)-1);
    if (!s)
        return TY_EINVAL;
    size_t n = strlen(s);
    ty_err e = n < outn ? TY_OK : TY_ELIMIT;
    if (e == TY_OK)
        memcpy(out, s, n + 1);
    opencc_convert_utf8_free(s);
    return e;
}

/* ---------------------------------------------------------------- composing */

static const sim_list *section(sim_text *tx, const char *base, sim_lang lang)
{
    char name[96];
    snprintf(name, sizeof name, "%s.%s", base, lang_tag[lang]);
    return sim_bank_get(&tx->bank, name);
}

static const char *pick(gsl_rng *r, const sim_list *l)
{
    return l->items[gsl_rng_uniform_int(r, l->n)];
}

/* Two different items when the section has two. */
static void pick2(gsl_rng *r, const sim_list *l, const char **a, const char **b)
{
    size_t i = gsl_rng_uniform_int(r, l->n);
    size_t j = l->n > 1 ? (i + 1 + gsl_rng_uniform_int(r, l->n - 1)) % l->n : i;
    *a = l->items[i];
    *b = l->items[j];
}

/* Appends template t with its placeholders filled in. */
static ty_err expand(ty_buf *out, const char *t, sim_lang lang, const sim_text_ctx *c,
                     const char *symptom)
{
    static const char *const mon_en[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    while (*t) {
        const char *open = strchr(t, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        if (!open || !close) {
            TY_TRY(ty_buf_puts(out, t));
            break;
        }
        TY_TRY(ty_buf_append(out, t, (size_t)(open - t)));
        size_t n = (size_t)(close - open - 1);
        const char *k = open + 1;
        if (n == 5 && memcmp(k, "brand", 5) == 0) {
            TY_TRY(ty_buf_puts(out, c->brand));
        } else if (n == 7 && memcmp(k, "product", 7) == 0) {
            TY_TRY(ty_buf_puts(out, c->product));
        } else if (n == 4 && memcmp(k, "noun", 4) == 0) {
            TY_TRY(ty_buf_puts(out, c->noun));
        } else if (n == 4 && memcmp(k, "days", 4) == 0) {
            TY_TRY(ty_buf_printf(out, "%d", c->days));
        } else if (n == 4 && memcmp(k, "date", 4) == 0) {
            if (lang == SIM_LANG_EN)
                TY_TRY(ty_buf_printf(out, "%s %d", mon_en[(c->month + 11) % 12], c->day));
            else
                TY_TRY(ty_buf_printf(out, "%d月%d日", c->month, c->day));
        } else if (n == 7 && memcmp(k, "symptom", 7) == 0 && symptom) {
            TY_TRY(ty_buf_puts(out, symptom));
        } else {
            TY_TRY(ty_buf_append(out, open, n + 2)); /* unknown: leave as written */
        }
        t = close + 1;
    }
    return TY_OK;
}

/* Appends the phrases as one sentence: "a，b。" or "A. B." */
static ty_err sentence(ty_buf *out, const char *const *ph, int n, sim_lang lang, const char *end,
                       const sim_text_ctx *c)
{
    for (int i = 0; i < n; i++) {
        if (i)
            TY_TRY(ty_buf_puts(out, lang == SIM_LANG_EN ? " " : "，"));
        TY_TRY(expand(out, ph[i], lang, c, NULL));
    }
    if (lang != SIM_LANG_EN)
        TY_TRY(ty_buf_puts(out, end));
    return TY_OK;
}

static const char *risk_section(sim_problem p)
{
    switch (p) {
    case SIM_PROB_ALLERGY:
        return "risk.allergy";
    case SIM_PROB_COUNTERFEIT:
        return "risk.counterfeit";
    case SIM_PROB_EXPIRED:
        return "risk.expired";
    case SIM_PROB_DAMAGED:
        return "risk.damaged";
    case SIM_PROB_LABEL:
        return "risk.label";
    case SIM_PROB_INGREDIENT:
        return "risk.ingredient";
    case SIM_PROB_NONE:
    case SIM_PROB_ORDINARY:
        break;
    }
    return "review.neg";
}

static ty_err compose_review(sim_text *tx, gsl_rng *r, sim_lang lang, int stars, sim_problem prob,
                             const sim_text_ctx *c, ty_buf *out)
{
    const char *ph[3];
    int n = 0;
    const char *end = "。";
    ty_buf_reset(out);
    if (stars <= 2 || prob > SIM_PROB_ORDINARY) {
        const sim_list *l = section(tx, risk_section(prob), lang);
        if (gsl_rng_uniform(r) < 0.4) {
            pick2(r, l, &ph[0], &ph[1]);
            n = 2;
        } else {
            ph[n++] = pick(r, l);
        }
        if (stars >= 3) /* a problem, but the buyer still liked something */
            ph[n++] = pick(r, section(tx, "review.neu", lang));
        TY_TRY(sentence(out, ph, n, lang, "！", c));
        if (gsl_rng_uniform(r) < 0.5) {
            TY_TRY(ty_buf_puts(out, lang == SIM_LANG_EN ? " " : ""));
            TY_TRY(expand(out, pick(r, section(tx, "review.negclose", lang)), lang, c, NULL));
            if (lang != SIM_LANG_EN)
                TY_TRY(ty_buf_puts(out, "。"));
        }
        return TY_OK;
    }
    if (stars == 3) {
        ph[n++] = pick(r, section(tx, "review.neu", lang));
        if (gsl_rng_uniform(r) < 0.3)
            ph[n++] = pick(r, section(tx, "review.pos", lang));
        return sentence(out, ph, n, lang, end, c);
    }
    const sim_list *pos = section(tx, "review.pos", lang);
    if (gsl_rng_uniform(r) < 0.45) {
        pick2(r, pos, &ph[0], &ph[1]);
        n = 2;
    } else {
        ph[n++] = pick(r, pos);
    }
    char kname[64];
    snprintf(kname, sizeof kname, "review.pos.%s.%s", lang_tag[lang], c->kind);
    const sim_list *kl = sim_bank_get(&tx->bank, kname);
    if (kl && kl->n && gsl_rng_uniform(r) < 0.4)
        ph[n++] = pick(r, kl);
    if (stars == 5 && gsl_rng_uniform(r) < 0.3)
        end = "！";
    TY_TRY(sentence(out, ph, n, lang, end, c));
    if (gsl_rng_uniform(r) < 0.45) {
        TY_TRY(ty_buf_puts(out, lang == SIM_LANG_EN ? " " : ""));
        TY_TRY(expand(out, pick(r, section(tx, "review.close", lang)), lang, c, NULL));
        if (lang != SIM_LANG_EN)
            TY_TRY(ty_buf_puts(out, gsl_rng_uniform(r) < 0.5 ? "！" : "。"));
    }
    return TY_OK;
}

/* Return reasons and complaint categories that share the risk vocabulary. */
static const char *const reason_section[][2] = {
    {"adverse_reaction", "risk.allergy"}, {"suspected_counterfeit", "risk.counterfeit"},
    {"expired", "risk.expired"},          {"damaged", "risk.damaged"},
    {"label_problem", "risk.label"},      {"counterfeit", "risk.counterfeit"},
    {"packaging", "risk.damaged"},        {"label", "risk.label"},
    {"ingredient", "risk.ingredient"},
};

static const sim_list *code_section(sim_text *tx, const char *prefix, const char *code,
                                    sim_lang lang)
{
    for (size_t i = 0; i < sizeof reason_section / sizeof reason_section[0]; i++)
        if (strcmp(reason_section[i][0], code) == 0)
            return section(tx, reason_section[i][1], lang);
    char base[64];
    snprintf(base, sizeof base, "%s.%s", prefix, code);
    const sim_list *l = section(tx, base, lang);
    if (!l) {
        snprintf(base, sizeof base, "%s.other", prefix);
        l = section(tx, base, lang);
    }
    return l;
}

static ty_err compose_return(sim_text *tx, gsl_rng *r, sim_lang lang, const char *reason,
                             const sim_text_ctx *c, ty_buf *out)
{
    const char *ph[1];
    ty_buf_reset(out);
    ph[0] = pick(r, code_section(tx, "return", reason, lang));
    return sentence(out, ph, 1, lang, "", c);
}

static ty_err compose_complaint(sim_text *tx, gsl_rng *r, sim_lang lang, const char *category,
                                const sim_text_ctx *c, ty_buf *out)
{
    const sim_list *body = code_section(tx, "complaint", category, lang);
    /* product-safety complaints ask for more than a refund */
    int risk = 0;
    for (size_t i = 0; i < sizeof reason_section / sizeof reason_section[0]; i++)
        risk |= strcmp(reason_section[i][0], category) == 0;
    const char *ph[2];
    int n = 1;
    ty_buf_reset(out);
    TY_TRY(expand(out, pick(r, section(tx, "complaint.open", lang)), lang, c, NULL));
    if (lang == SIM_LANG_EN)
        TY_TRY(ty_buf_puts(out, " "));
    if (body->n > 1 && gsl_rng_uniform(r) < 0.35) {
        pick2(r, body, &ph[0], &ph[1]);
        n = 2;
    } else {
        ph[0] = pick(r, body);
    }
    TY_TRY(sentence(out, ph, n, lang, "。", c));
    TY_TRY(ty_buf_puts(out, lang == SIM_LANG_EN ? " " : ""));
    TY_TRY(expand(out,
                  pick(r, section(tx, risk ? "complaint.demand_risk" : "complaint.demand", lang)),
                  lang, c, NULL));
    if (lang != SIM_LANG_EN)
        TY_TRY(ty_buf_puts(out, "。"));
    return TY_OK;
}

static ty_err compose_adverse(sim_text *tx, gsl_rng *r, sim_lang lang, const sim_text_ctx *c,
                              ty_buf *out)
{
    ty_buf_reset(out);
    const char *sym = pick(r, section(tx, "ae.symptom", lang));
    TY_TRY(expand(out, pick(r, section(tx, "ae.text", lang)), lang, c, sym));
    if (lang != SIM_LANG_EN)
        TY_TRY(ty_buf_puts(out, "。"));
    return TY_OK;
}

/* ---------------------------------------------------------------- entry points */

ty_err sim_text_review(sim_text *tx, gsl_rng *r, sim_lang lang, int stars, sim_problem prob,
                       const sim_text_ctx *c, ty_buf *out)
{
    TY_TRY(compose_review(tx, r, lang, stars, prob, c, out));
    return lang == SIM_LANG_HANT ? buf_to_hant(tx, out) : TY_OK;
}

ty_err sim_text_return(sim_text *tx, gsl_rng *r, sim_lang lang, const char *reason,
                       const sim_text_ctx *c, ty_buf *out)
{
    TY_TRY(compose_return(tx, r, lang, reason, c, out));
    return lang == SIM_LANG_HANT ? buf_to_hant(tx, out) : TY_OK;
}

ty_err sim_text_complaint(sim_text *tx, gsl_rng *r, sim_lang lang, const char *category,
                          const sim_text_ctx *c, ty_buf *out)
{
    TY_TRY(compose_complaint(tx, r, lang, category, c, out));
    return lang == SIM_LANG_HANT ? buf_to_hant(tx, out) : TY_OK;
}

ty_err sim_text_adverse(sim_text *tx, gsl_rng *r, sim_lang lang, const sim_text_ctx *c, ty_buf *out)
{
    TY_TRY(compose_adverse(tx, r, lang, c, out));
    return lang == SIM_LANG_HANT ? buf_to_hant(tx, out) : TY_OK;
}
