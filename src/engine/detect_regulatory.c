/*
 * detect_regulatory.c - the regulatory detectors: every product record is
 * matched by the regulatory matcher (regulatory.h) as it is read, and the
 * verdict of the product's latest record decides two signals:
 *
 *   annex - its ingredient list holds a substance of EU Cosmetics Regulation
 *           (EC) No 1223/2009 Annex II (prohibited; "prohibited_if" when the
 *           entry prohibits it under a condition the label cannot show) or,
 *           when the rules ask, Annex III (restricted: check its conditions);
 *   alert - a Safety Gate alert names its brand and one of its product words.
 *
 * A listing whose next record no longer holds the substance clears the signal.
 *
 * Probability of harm (2019/417 Annex Part III): a label cannot say how often a
 * user is harmed, so a finding alone is put in the band "> 1/10 000"; once the
 * product also draws reports of harm (class "harmful": ingredient complaints and
 * harmful-substance texts) in the rate window it is put in "> 1/1 000". With the
 * default severity 3 that gives High (level II) and Serious (level I).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"

#define P_LABEL_ONLY   1e-4 /* band "> 1/10 000" */
#define P_WITH_REPORTS 1e-3 /* band "> 1/1 000" */
#define CLASS_HARMFUL  5    /* ty_rule_class_name(5) */

void reg_verdict_free(reg_verdict **pv)
{
    reg_verdict *v = *pv;
    if (!v)
        return;
    for (size_t i = 0; i < v->nfind; i++) {
        free(v->find[i].annex);
        free(v->find[i].ref_no);
        free(v->find[i].entry);
        free(v->find[i].input);
        free(v->find[i].how);
        free(v->find[i].rule);
    }
    for (size_t i = 0; i < v->nalerts; i++) {
        free(v->alert[i].number);
        free(v->alert[i].product);
        free(v->alert[i].risk);
        free(v->alert[i].brand);
        free(v->alert[i].evidence);
    }
    free(v);
    *pv = NULL;
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static char *dup(const char *s)
{
    return dup_n(s ? s : "", s ? strlen(s) : 0);
}

/* Keeps finding f in v; 0 when memory ran out. */
static int keep_finding(reg_verdict *v, const ty_reg_finding *f)
{
    size_t i = v->nfind;
    v->find[i].status = f->status;
    v->find[i].annex = dup(f->annex);
    v->find[i].ref_no = dup(f->ref_no);
    v->find[i].entry = dup(f->listed_as && f->listed_as[0] ? f->listed_as : f->entry_name);
    v->find[i].input = dup_n(f->input, f->input_len);
    v->find[i].how = dup(f->how);
    v->find[i].rule = dup(f->rule);
    v->nfind++;
    return v->find[i].annex && v->find[i].ref_no && v->find[i].entry && v->find[i].input &&
           v->find[i].how && v->find[i].rule;
}

static int keep_alert(reg_verdict *v, const ty_reg_alert_hit *h)
{
    size_t i = v->nalerts;
    v->alert[i].number = dup(h->field[TY_SG_ALERT_NUMBER]);
    v->alert[i].product = dup(h->field[TY_SG_PRODUCT_NAME]);
    v->alert[i].risk = dup(h->field[TY_SG_RISK_TYPE]);
    v->alert[i].brand = dup(h->brand_matched);
    v->alert[i].evidence = dup(h->evidence);
    v->alert[i].nwords = h->nwords;
    v->alert[i].nsignificant = h->nsignificant;
    v->nalerts++;
    return v->alert[i].number && v->alert[i].product && v->alert[i].risk && v->alert[i].brand &&
           v->alert[i].evidence;
}

ty_err reg_note_product(ty_engine *e, uint32_t product, const ty_record *rec)
{
    product_info *pi = e->ent[product].info;
    int had = pi->reg != NULL;
    reg_verdict_free(&pi->reg);
    if (!e->reg_res && !(e->reg_res = malloc(sizeof *e->reg_res)))
        return TY_ENOMEM;
    if (!e->reg_alerts && !(e->reg_alerts = malloc(sizeof *e->reg_alerts)))
        return TY_ENOMEM;
    ty_reg_result *res = e->reg_res;
    ty_reg_alerts *al = e->reg_alerts;
    ty_err r = ty_regmatch_product(e->reg, rec, res, al);
    if (r == TY_ENOMEM)
        return r;
    if (r != TY_OK) { /* over the matcher's limits: nothing is judged */
        if (e->run_stats)
            e->run_stats->unmatched++;
        if (had)
            e->ent[product].touched = e->gen;
        return TY_OK;
    }
    const ty_rules *ru = &e->rules;
    size_t flagged =
        res->nprohibited + res->nprohibited_if + (ru->regulatory.restricted ? res->nrestricted : 0);
    size_t alerts = 0;
    for (size_t i = 0; i < al->nhits; i++)
        alerts += al->hits[i].nwords >= ru->regulatory.alert_min_words;
    if (flagged || alerts) {
        reg_verdict *v = calloc(1, sizeof *v);
        if (!v)
            return TY_ENOMEM;
        pi->reg = v;
        v->seq = e->ev_seq;
        v->ts = e->ev_ts;
        v->nprohibited = res->nprohibited;
        v->nprohibited_if = res->nprohibited_if;
        v->nrestricted = ru->regulatory.restricted ? res->nrestricted : 0;
        /* prohibited first, then prohibited under a condition, then restricted */
        for (int st = TY_REG_PROHIBITED; st <= TY_REG_RESTRICTED; st++)
            for (size_t i = 0; i < res->nfindings && v->nfind < REG_KEEP; i++)
                if ((int)res->findings[i].status == st &&
                    (st != TY_REG_RESTRICTED || ru->regulatory.restricted) &&
                    !keep_finding(v, &res->findings[i]))
                    return TY_ENOMEM;
        for (size_t i = 0; i < al->nhits && v->nalerts < REG_KEEP; i++)
            if (al->hits[i].nwords >= ru->regulatory.alert_min_words &&
                !keep_alert(v, &al->hits[i]))
                return TY_ENOMEM;
    }
    if (flagged || alerts || had)
        e->ent[product].touched = e->gen;
    return TY_OK;
}

static const char *status_text(int st)
{
    return st == TY_REG_PROHIBITED      ? "prohibited (Annex II)"
           : st == TY_REG_PROHIBITED_IF ? "prohibited under a condition (Annex II)"
                                        : "restricted (Annex III)";
}

static ty_err annex_signal(ty_engine *e, uint32_t p, const reg_verdict *v, uint64_t reports)
{
    const ty_rules *ru = &e->rules;
    int sev = ru->regulatory.prohibited_severity;
    if (!v->nprohibited)
        sev = v->nprohibited_if ? (sev > 1 ? sev - 1 : 1) : 1;
    double prob = reports ? P_WITH_REPORTS : P_LABEL_ONLY;
    ty_warning_stat stats[] = {
        {"prohibited_substances", (double)v->nprohibited, 1},
        {"prohibited_if_substances", (double)v->nprohibited_if, NAN},
        {"restricted_substances", (double)v->nrestricted, NAN},
        {"harmful_reports", (double)reports, 1},
    };
    char txt[REG_KEEP * 3][TY_WARNING_INPUT_MAX + 1];
    char entry[REG_KEEP][200];
    ty_warning_input in[1 + REG_KEEP * 3];
    size_t ni = 0;
    in[ni++] = (ty_warning_input){"method", 0,
                                  "INCI list against EU 1223/2009 Annex II/III by exact name, "
                                  "synonym and CAS"};
    for (size_t i = 0; i < v->nfind; i++) {
        snprintf(entry[i], sizeof entry[i], "Annex %s/%s %s: %s", v->find[i].annex,
                 v->find[i].ref_no, v->find[i].entry, status_text(v->find[i].status));
        in[ni++] =
            (ty_warning_input){"annex_entry", 0, clip_text(entry[i], txt[3 * i], sizeof txt[0])};
        in[ni++] = (ty_warning_input){"ingredient", 0,
                                      clip_text(v->find[i].input, txt[3 * i + 1], sizeof txt[0])};
        in[ni++] = (ty_warning_input){"annex_says", 0,
                                      clip_text(v->find[i].rule, txt[3 * i + 2], sizeof txt[0])};
    }
    char note[TY_WARNING_TEXT_MAX];
    if (v->nfind)
        snprintf(note, sizeof note, "%s %s", v->find[0].how, v->find[0].rule);
    else
        snprintf(note, sizeof note, "the ingredient list holds regulated substances");
    char cut[TY_WARNING_TEXT_MAX];
    clip_text(note, cut, sizeof cut);
    int64_t seqs[1 + EVIDENCE_KEEP];
    size_t ns = 0;
    seqs[ns++] = v->seq;
    const evidence *ev = e->ent[p].evid;
    for (size_t i = 0; ev && i < ev->n[CLASS_HARMFUL]; i++)
        seqs[ns++] = ev->seq[CLASS_HARMFUL][i];
    sig_args a = {"annex",   p,     CLASS_HARMFUL, 0,
                  "harmful", sev,   prob,          v->ts,
                  0,         v->ts, stats,         sizeof stats / sizeof stats[0],
                  in,        ni,    seqs,          ns,
                  cut};
    return sig_raise_args(e, &a);
}

static ty_err alert_signal(ty_engine *e, uint32_t p, const reg_verdict *v, uint64_t reports)
{
    const ty_rules *ru = &e->rules;
    /* every product word of the alert found: the named product itself */
    int full = v->alert[0].nwords >= v->alert[0].nsignificant;
    int sev = ru->regulatory.alert_severity;
    double prob = reports || full ? P_WITH_REPORTS : P_LABEL_ONLY;
    ty_warning_stat stats[] = {
        {"alerts_matched", (double)v->nalerts, 1},
        {"product_words_found", (double)v->alert[0].nwords, ru->regulatory.alert_min_words},
        {"product_words_of_alert", (double)v->alert[0].nsignificant, NAN},
        {"harmful_reports", (double)reports, NAN},
    };
    char txt[REG_KEEP * 3][TY_WARNING_INPUT_MAX + 1];
    ty_warning_input in[1 + REG_KEEP * 3];
    size_t ni = 0;
    in[ni++] = (ty_warning_input){"method", 0,
                                  "EU Safety Gate alerts by exact brand and alert product words"};
    for (size_t i = 0; i < v->nalerts && ni + 3 <= sizeof in / sizeof in[0]; i++) {
        in[ni++] = (ty_warning_input){"alert", 0,
                                      clip_text(v->alert[i].number, txt[3 * i], sizeof txt[0])};
        in[ni++] = (ty_warning_input){
            "alert_product", 0, clip_text(v->alert[i].product, txt[3 * i + 1], sizeof txt[0])};
        in[ni++] = (ty_warning_input){"alert_risk", 0,
                                      clip_text(v->alert[i].risk, txt[3 * i + 2], sizeof txt[0])};
    }
    char cut[TY_WARNING_TEXT_MAX];
    clip_text(v->alert[0].evidence, cut, sizeof cut);
    int64_t seq = v->seq;
    sig_args a = {"alert",   p,     CLASS_HARMFUL, 0,
                  "harmful", sev,   prob,          v->ts,
                  0,         v->ts, stats,         sizeof stats / sizeof stats[0],
                  in,        ni,    &seq,          1,
                  cut};
    return sig_raise_args(e, &a);
}

ty_err reg_detect(ty_engine *e, uint32_t p)
{
    const entity *x = &e->ent[p];
    const reg_verdict *v = x->info ? x->info->reg : NULL;
    int32_t today = e->now_day;
    uint64_t reports = 0;
    if (v) {
        int m[2] = {TY_M_TEXT_HARMFUL, -1};
        for (int c = 0; c < TY_M__COUNT; c++)
            if (e->metric_class[c] == CLASS_HARMFUL && c != TY_M_TEXT_HARMFUL)
                m[1] = c;
        for (int i = 0; i < 2; i++)
            if (m[i] >= 0)
                reports += ent_sum(e, p, m[i], today - e->rules.rate.window_days + 1, today);
    }
    if (v && (v->nprohibited || v->nprohibited_if || v->nrestricted))
        TY_TRY(annex_signal(e, p, v, reports));
    else
        sig_clear_sub(e, "annex", p, CLASS_HARMFUL, 0);
    if (v && v->nalerts)
        TY_TRY(alert_signal(e, p, v, reports));
    else
        sig_clear_sub(e, "alert", p, CLASS_HARMFUL, 0);
    return TY_OK;
}
