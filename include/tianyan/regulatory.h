/*
 * regulatory.h - the regulatory matcher: a product's ingredient list (INCI) against
 * Annex II (prohibited) and Annex III (restricted) of the EU Cosmetics Regulation
 * (EC) No 1223/2009, and the product itself against EU Safety Gate alerts, each
 * finding carrying the annex entry or the alert as evidence (docs/detection.md,
 * "Regulatory matching").
 *
 * The matcher is an in-memory copy of the reference tables (reference.h), built once
 * by ty_regmatch_open() from the store and from data/reference/inci-synonyms.txt.
 * It never changes after it is built, so any number of threads may use one matcher
 * at the same time. The match functions allocate nothing, except a temporary buffer
 * when a non-ASCII text folds to more than 1 KiB; they use up to about 48 KiB of
 * stack, and their results are large (ty_reg_result is about 100 KiB: give it static
 * or heap storage). After a reference import the engine opens a new matcher,
 * switches to it and closes the old one once no thread uses it any more.
 *
 * Ownership: a matcher owns every text its results point to (except the part of
 * the caller's ingredient that matched); results stay valid until it is closed.
 *
 * Matching is exact, never a substring search:
 *  - an ingredient matches an annex entry when the whole ingredient equals, after
 *    normalisation, a name or synonym the annex gives for the entry (or for a
 *    substance listed under it), or an INCI name that inci-synonyms.txt connects to
 *    the entry by CAS number; or when it contains a valid CAS number that the annex
 *    lists. "lead" matches Annex II entry 289 (which lists a compound named "Lead");
 *    "misleading", "Lead-free" and "Lead acetate trihydrate" do not match "Lead";
 *  - normalisation: Unicode NFKD and case folding, accents dropped, Greek letters
 *    spelt out (α -> alpha), and spaces and punctuation removed, except that a
 *    separator between two digits stays a separator ("1,2-Hexanediol" is not
 *    "12-Hexanediol"). So "Butylphenyl methylpropional", "BUTYLPHENYL
 *    METHYLPROPIONAL" and "Butylphenyl  Methyl-propional" are one name;
 *  - an element that matches nothing as a whole is split into list pieces, for
 *    platforms that send a whole list as one string: at ";", "|", line breaks, the
 *    Chinese enumeration comma "、", the full-width "，" and "；", and at "," except
 *    between two digits ("1,2-Hexanediol" stays whole). A piece (or an unsplit
 *    element) that matches nothing and ends in a parenthesis is tried as the two
 *    names it gives: "Aqua (Water)", "Parfum (Fragrance)", "CI 77891 (Titanium
 *    Dioxide)";
 *  - a presence in Annex III is not a violation: such findings are
 *    TY_REG_RESTRICTED ("restricted, check conditions"), with the conditions of
 *    use. Annex II findings are TY_REG_PROHIBITED, or TY_REG_PROHIBITED_IF when the
 *    entry prohibits the substance only under a condition the label cannot show
 *    ("Butane": "Not permitted if substance contains >= 0.1 % Butadiene").
 */
#ifndef TIANYAN_REGULATORY_H
#define TIANYAN_REGULATORY_H

#include <stddef.h>
#include <stdint.h>

#include "tianyan/error.h"
#include "tianyan/record.h"
#include "tianyan/reference.h"
#include "tianyan/refcodec.h"
#include "tianyan/store.h"

typedef struct ty_regmatch ty_regmatch;

/* Findings kept per product; more are counted in nfindings_total, not stored. */
#define TY_REG_FINDINGS_MAX 64
/* Alerts kept per product; more are counted in nhits_total, not stored. */
#define TY_REG_ALERTS_MAX 16
/* Alert product words reported per hit. */
#define TY_REG_WORDS_MAX 8
/* Ingredients looked at per call (the exchange spec allows 300). */
#define TY_REG_INCI_MAX 1000
/* Longest ingredient element in bytes (a whole list sent as one string fits); longer is
 * TY_ELIMIT. */
#define TY_REG_TEXT_MAX 16384
/* Longest brand or title in bytes (the exchange spec allows 128 and 512); longer is
 * TY_ELIMIT. */
#define TY_REG_TITLE_MAX 2048
/* Size of each evidence string, with its NUL; longer text is cut and ends in "...". */
#define TY_REG_EVIDENCE_MAX 768

typedef enum {
    TY_REG_PROHIBITED = 1, /* Annex II: may not be in a cosmetic product */
    TY_REG_PROHIBITED_IF,  /* Annex II, under a condition ("if it contains >= 0.1 % benzene") */
    TY_REG_RESTRICTED,     /* Annex III: allowed under conditions; check them */
} ty_reg_status;

/* "prohibited", "prohibited_if", "restricted"; "?" for any other value. */
const char *ty_reg_status_name(int status);

/* How an ingredient reached an entry (bits; a finding may have several). */
#define TY_REG_VIA_NAME    1u /* equals a name or synonym of the annex data */
#define TY_REG_VIA_SYNONYM 2u /* equals an INCI name of data/reference/inci-synonyms.txt */
#define TY_REG_VIA_CAS     4u /* contains a CAS number the annex lists */

/* One condition of use of an entry (one per product type, for most Annex III
 * entries). Texts are "" where the annex gives nothing. */
typedef struct ty_reg_condition {
    const char *product_types; /* "All cosmetic products", "Hair products" */
    const char *max_conc;      /* "0 %" for Annex II; "12 %" */
    const char *min_conc;
    const char *expressed_as; /* "As H2O2, present or released" */
    const char *restrictions; /* other limitations and requirements */
    const char *warnings;     /* wording the label must carry */
    const char *notes;
} ty_reg_condition;

/*
 * One ingredient found in an annex entry. Pointers to texts are owned by the
 * matcher (valid until it is closed), except input, which points into the caller's
 * ingredient. One finding per ingredient and entry: when an ingredient reaches
 * the same entry by name and by CAS number, via has both bits.
 */
typedef struct ty_reg_finding {
    size_t ingredient;      /* index in the INCI list */
    const char *input;      /* the part of the ingredient that matched: the element, */
    size_t input_len;       /*   one list piece of it, a name in parentheses, or the CAS number */
    ty_reg_status status;   /* what the entry means for the product */
    unsigned via;           /* TY_REG_VIA_* */
    const char *annex;      /* "II" or "III" */
    const char *ref_no;     /* entry number ("1666", "15a"); "" when the annex gives none */
    const char *entry_name; /* the annex's name of the entry ("Lead and its compounds") */
    const char *listed_as;  /* the substance the annex lists, that matched ("Lead") */
    const char *cas;        /* its CAS number(s) as the annex writes them; "" when none */
    const char *matched;    /* the name, synonym, INCI name or CAS number that equalled */
    const char *source;     /* TY_REG_VIA_SYNONYM: "inci-synonyms.txt:12: <source>"; else "" */
    const ty_reg_condition *conds; /* the entry's distinct conditions, ncond >= 1 */
    size_t ncond;
    char how[TY_REG_EVIDENCE_MAX];  /* why the ingredient is this substance, for a person */
    char rule[TY_REG_EVIDENCE_MAX]; /* what the annex says about it, for a person */
} ty_reg_finding;

typedef struct ty_reg_result {
    size_t nfindings;       /* stored in findings[], in ingredient order */
    size_t nfindings_total; /* found; more than nfindings when some were dropped */
    size_t nprohibited;     /* findings (stored or not) of each status */
    size_t nprohibited_if;
    size_t nrestricted;
    size_t nsplit;   /* elements that were split into list pieces */
    size_t nskipped; /* elements not looked at by name: not valid UTF-8 */
    ty_reg_finding findings[TY_REG_FINDINGS_MAX];
} ty_reg_result;

/* One Safety Gate alert matched by a product. Texts are owned by the matcher. */
typedef struct ty_reg_alert_hit {
    const char *field[TY_SG__COUNT];     /* the alert, by ty_alert_field; "" when empty */
    const char *brand_matched;           /* the alert's brand, or the part of it, that matched */
    const char *words[TY_REG_WORDS_MAX]; /* the alert's product words found in the title */
    size_t nwords;                       /* how many were found (words[] holds the first) */
    size_t nsignificant;                 /* product words the alert has */
    int type_words; /* 1: the alert names no model, so its product type words were used */
    char evidence[TY_REG_EVIDENCE_MAX];
} ty_reg_alert_hit;

typedef struct ty_reg_alerts {
    size_t nhits;       /* stored, best first (most words found, then alert number) */
    size_t nhits_total; /* found */
    ty_reg_alert_hit hits[TY_REG_ALERTS_MAX];
} ty_reg_alerts;

/* What a matcher holds, for operators and tests. */
typedef struct ty_regmatch_info {
    size_t rows;    /* annex rows (ref_substances) */
    size_t entries; /* distinct entries (annex and number) */
    size_t entries_prohibited, entries_prohibited_if, entries_restricted; /* by status */
    size_t names;               /* distinct normalised names */
    size_t merged_names;        /* names whose different spellings (beyond case) reach different
                                   entries: normalisation merged them */
    size_t cas;                 /* distinct CAS numbers */
    size_t synonyms;            /* lines of inci-synonyms.txt */
    size_t synonyms_unresolved; /* ... whose CAS is not in the annex data, or reaches no
                                   entry the line names */
    size_t alerts;
    size_t alert_brands; /* distinct normalised alert brands (and brand parts) */
    size_t bytes;        /* memory held */
} ty_regmatch_info;

/*
 * Builds a matcher from the reference tables of st (CosIng Annex II / III and Safety
 * Gate alerts, imported with ty_ref_import_path()) and from
 * data_dir/reference/inci-synonyms.txt (data_dir NULL: the build's data folder).
 * The tables are read in one read transaction. Empty tables give a matcher that
 * finds nothing. On success *m is a new matcher, closed with ty_regmatch_close().
 * On failure *m is NULL and err says why (file and line for a bad synonyms line):
 * TY_ENOENT / TY_EIO for the synonyms file, TY_EPARSE for a bad line in it, store
 * errors as they come, TY_ENOMEM.
 */
ty_err ty_regmatch_open(ty_regmatch **m, ty_store *st, const char *data_dir, char *err,
                        size_t errn);

/* Frees the matcher; *m becomes NULL. Safe on NULL. */
void ty_regmatch_close(ty_regmatch **m);

/* Fills *info with what m holds (fixed when m was built). */
void ty_regmatch_info_get(const ty_regmatch *m, ty_regmatch_info *info);

/*
 * Matches a product's INCI list (n NUL-terminated UTF-8 ingredient names, in label
 * order) against the annexes, as described at the top of this file. Fills *out
 * (findings in ingredient order). TY_EINVAL for a NULL argument or element,
 * TY_ELIMIT when n > TY_REG_INCI_MAX or an element is longer than TY_REG_TEXT_MAX
 * (nothing is matched then), TY_ENOMEM. An element that is not valid UTF-8 is
 * searched for CAS numbers only, and counted in nskipped.
 */
ty_err ty_regmatch_inci(const ty_regmatch *m, const char *const *inci, size_t n,
                        ty_reg_result *out);

/*
 * Finds the Safety Gate alerts a product may be the subject of (NUL-terminated UTF-8
 * brand and listing title; category NULL for alerts of every category, or e.g.
 * "Cosmetics" for that category only, ignoring ASCII case). The rule, chosen for
 * precision (docs/detection.md):
 *   - brand: the normalised brand equals the alert's brand, or one of its parts
 *     when the alert names several ("Schwarzkopf, schauma"; "TAFT by
 *     Schwarzkopf&Henkel"); a brand written in Latin and Chinese ("FIORILLO
 *     菲奥里洛") is also tried by its Latin part alone;
 *   - product: at least one of the alert's product words occurs as a whole word in
 *     the title. Product words are the words of the alert's product description
 *     ("FIORILLO 24K" -> "24k") without the brand's words, one-letter words,
 *     function words and units ("de", "ml") and generic product words ("eau",
 *     "toilette", "gel", "cream"); an alert whose description is only its brand
 *     ("Genny") uses the words of its product type ("perfume") instead.
 * Fills *out (hits best first). TY_EINVAL for a NULL argument, TY_ELIMIT for a brand
 * or title longer than TY_REG_TITLE_MAX, TY_EPARSE when either is not valid UTF-8,
 * TY_ENOMEM; out then holds no hit. An empty brand matches nothing.
 */
ty_err ty_regmatch_alert(const ty_regmatch *m, const char *brand, const char *title,
                         const char *category, ty_reg_alerts *out);

/*
 * Both matches for a decoded product record (rec->schema->type == TY_REC_PRODUCT),
 * reading its inci, brand and title fields in place; alerts of every category are
 * considered. Either output may be NULL to skip that match. TY_EINVAL when rec is
 * not a product; otherwise the errors of ty_regmatch_inci() and ty_regmatch_alert().
 */
ty_err ty_regmatch_product(const ty_regmatch *m, const ty_record *rec, ty_reg_result *inci,
                           ty_reg_alerts *alerts);

#endif
