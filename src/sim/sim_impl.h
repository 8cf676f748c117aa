/*
 * sim_impl.h - internals of the feed simulator shared by its files in src/sim/
 * (not a public header; the contract is include/tianyan/sim.h).
 *
 *   bank.c       sectioned text files of data/sim/ (catalogue, phrase banks)
 *   text.c       buyer text in three scripts, OpenCC for traditional Chinese
 *   world.c      the catalogue, merchants and listings of every platform
 *   incidents.c  which incidents happen where and when, and their ground truth
 *   writer.c     JSON Lines output through yajl, written to a temporary file,
 *                fsynced and renamed into place
 *   simulate.c   ty_simulate(): the clock, order arrivals and follow-up events
 *
 * Ownership: a sim_world owns everything reachable from it; sim_world_free()
 * releases it. Nothing here is thread-safe; one simulation runs on one thread.
 */
#ifndef TIANYAN_SIM_IMPL_H
#define TIANYAN_SIM_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>
#include <yajl/yajl_gen.h>

#include "tianyan/buf.h"
#include "tianyan/sim.h"

/* ---------------------------------------------------------------- bank.c */

/* One "[section]" of a data file: its items, NUL-terminated. */
typedef struct sim_list {
    const char *name;
    const char **items;
    size_t n;
} sim_list;

/* A loaded data file. Items point into text or into owned strings. */
typedef struct sim_bank {
    char path[512];
    char *text;      /* the file, split in place */
    sim_list *lists; /* nlists sections, in file order */
    size_t nlists, caplists;
    const char **items; /* backing array of every section's items */
    size_t nitems, capitems;
    char **owned; /* strings added by sim_bank_add(), freed with the bank */
    size_t nowned, capowned;
} sim_bank;

/* Limits that keep a damaged data file from taking unbounded memory. */
#define SIM_BANK_FILE_MAX  (1u << 20)
#define SIM_BANK_ITEMS_MAX 20000
#define SIM_BANK_LISTS_MAX 1000

/* Loads path. On failure writes "<path>:<line>: <reason>" to err; the bank may
 * then hold part of the file, so sim_bank_free() it either way. */
ty_err sim_bank_load(sim_bank *b, const char *path, char *err, size_t errn);

/* The section called name, or NULL. */
const sim_list *sim_bank_get(const sim_bank *b, const char *name);

/* Like sim_bank_get(), but a missing or empty section is an error naming the file. */
ty_err sim_bank_need(const sim_bank *b, const char *name, const sim_list **out, char *err,
                     size_t errn);

/* Adds a section whose n items are copied (the bank owns the copies). */
ty_err sim_bank_add(sim_bank *b, const char *name, const char *const *items, size_t n);

void sim_bank_free(sim_bank *b);

/* Splits s at sep into at most max fields (pointers into s, lengths in len);
 * returns the number of fields found. */
size_t sim_split(const char *s, char sep, const char **f, size_t *len, size_t max);

/* Copies a field of n bytes into out (size outn), NUL-terminated, cut if too long. */
void sim_field(char *out, size_t outn, const char *f, size_t n);

/* ---------------------------------------------------------------- randomness */

/* splitmix64: derives independent seeds (and stable per-entity hashes) from one seed. */
uint64_t sim_mix(uint64_t x);

/* Index drawn from weights w[0..n-1] (not all zero). */
size_t sim_pick_weighted(gsl_rng *r, const double *w, size_t n);

/* ---------------------------------------------------------------- text.c */

typedef enum { SIM_LANG_HANS = 0, SIM_LANG_HANT = 1, SIM_LANG_EN = 2 } sim_lang;
#define SIM_LANGS 3

/* What went wrong for the buyer: drives return reasons, complaint categories and text. */
typedef enum {
    SIM_PROB_NONE = 0,
    SIM_PROB_ORDINARY,    /* not effective, greasy, slow delivery ... */
    SIM_PROB_ALLERGY,     /* adverse skin reaction */
    SIM_PROB_COUNTERFEIT, /* suspected fake */
    SIM_PROB_EXPIRED,     /* expired, near expiry or spoiled */
    SIM_PROB_DAMAGED,     /* crushed, leaking, broken packaging */
    SIM_PROB_LABEL,       /* missing or altered label */
    SIM_PROB_INGREDIENT,  /* banned ingredient on the label */
} sim_problem;

/* Placeholder values for one text. For zh-Hant texts they are given in
 * simplified characters: the finished text is converted as a whole. */
typedef struct sim_text_ctx {
    const char *brand;
    const char *product; /* product name: Chinese, or English for English texts */
    const char *noun;    /* kind of product, likewise */
    const char *kind;    /* kind key ("cream") for kind-specific phrases */
    int days;
    int month, day; /* order date */
} sim_text_ctx;

typedef struct sim_text {
    sim_bank bank;
    void *cc; /* opencc_t for s2hk, opened only when a platform needs it */
} sim_text;

/* Loads the phrase banks from data_dir/sim/phrases.txt and checks every section
 * the composer uses exists; with hant set, also opens OpenCC (s2hk) for
 * traditional-Chinese texts. */
ty_err sim_text_init(sim_text *tx, const char *data_dir, int hant, char *err, size_t errn);
void sim_text_free(sim_text *tx);

/* Converts simplified Chinese to traditional (Hong Kong) characters into out
 * (size outn). Needs sim_text_init(..., hant=1). */
ty_err sim_text_to_hant(sim_text *tx, const char *in, char *out, size_t outn);

/* Review text for stars (1-5) and problem (SIM_PROB_NONE for an ordinary review). */
ty_err sim_text_review(sim_text *tx, gsl_rng *r, sim_lang lang, int stars, sim_problem prob,
                       const sim_text_ctx *c, ty_buf *out);

/* Return note for a return_reason code. */
ty_err sim_text_return(sim_text *tx, gsl_rng *r, sim_lang lang, const char *reason,
                       const sim_text_ctx *c, ty_buf *out);

/* Complaint text for a complaint_category code. */
ty_err sim_text_complaint(sim_text *tx, gsl_rng *r, sim_lang lang, const char *category,
                          const sim_text_ctx *c, ty_buf *out);

/* Adverse-event narrative. */
ty_err sim_text_adverse(sim_text *tx, gsl_rng *r, sim_lang lang, const sim_text_ctx *c,
                        ty_buf *out);

/* ---------------------------------------------------------------- world.c */

typedef struct sim_kind {
    char key[16];
    const char *path; /* "护肤/面部护理/面霜" */
    const char *noun_zh, *noun_en;
    char noun_hant[32];
    double median_fen, sigma;
    double return_rate; /* fraction of orders returned, before incidents */
    double weight;
    const char *sizes[4];
    int nsizes;
    const sim_list *lines, *inci;
} sim_kind;

typedef struct sim_brand {
    const char *name, *zh;
    char origin[3];
    double tier; /* price multiplier */
} sim_brand;

/* A product of the catalogue: the same goods wherever they are listed. */
typedef struct sim_product {
    int brand, kind;
    char name_zh[96], name_hant[96], name_en[96];
    char size[16];
    char gtin[16];
    char filing[48];      /* "" when none (cross-border retail imports need no NMPA filing) */
    const char *inci_tpl; /* INCI list, '|'-separated, from the catalogue */
    int banned_inci;      /* the label also lists the banned fragrance BMHCA */
    int64_t price_fen;    /* reference retail price */
    double popularity;
    int32_t lot0_mfg; /* manufacture day of lot 0 (days since 1970-01-01) */
} sim_product;

typedef struct sim_port {
    const char *code, *city, *district;
} sim_port;

typedef struct sim_warehouse {
    const char *id, *name;
    int port;
} sim_warehouse;

enum { SIM_MK_SELF = 0, SIM_MK_THIRD, SIM_MK_OVERSEAS };
enum { SIM_ST_ACTIVE = 0, SIM_ST_SUSPENDED = 1 };

typedef struct sim_merchant {
    char id[24];
    char name[128];
    char country[3];
    char license[32];
    int kind;       /* SIM_MK_* */
    int brand;      /* a brand's own flagship shop sells only that brand; else -1 */
    int status;     /* SIM_ST_* */
    int32_t opened; /* days since 1970-01-01 */
    int warehouse;  /* bonded warehouse (1210), or -1 for direct mail (9610) */
    int port;
    int version;
    int present;   /* has its merchant record been written (it may open mid-run) */
    int *listings; /* indices into the platform's listings */
    int nlistings, caplistings;
} sim_merchant;

typedef struct sim_listing {
    char sku[24];
    int product, merchant;
    int64_t price; /* fen */
    int lot;       /* lot currently shipped */
    int version;
    int status;    /* SIM_ST_* (suspended means not sold) */
    int present;   /* listed (its product record written) */
    int banned;    /* its label lists a banned substance */
    double weight; /* relative sales */
    char title[256];
} sim_listing;

typedef struct sim_platform {
    char code[32];
    const char *zh;
    char prefix[4];
    double lang_w[SIM_LANGS];
    double daily; /* orders per day at scale 1 */
    sim_merchant *merchants;
    int nmerchants, capmerchants;
    sim_listing *listings;
    int nlistings, caplistings;
    const sim_list *destinations;
    double *dest_w;
} sim_platform;

typedef struct sim_world {
    int64_t start_ms;  /* 00:00 China time of the first day, UTC ms */
    int32_t start_day; /* local day number of the first day */
    int days;
    double scale;
    uint64_t seed;
    sim_bank cat;
    sim_text text;
    sim_kind *kinds;
    int nkinds;
    sim_brand *brands;
    int nbrands;
    sim_product *products;
    int nproducts, capproducts;
    sim_port *ports;
    int nports;
    sim_warehouse *warehouses;
    int nwarehouses;
    const sim_list *reactions_skin, *reactions_other;
    const sim_list *countries; /* ISO code|Chinese name, for titles */
    sim_platform plat[TY_SIM_PLATFORMS_MAX];
    int nplat;
} sim_world;

/* China Standard Time, minutes east of UTC: every time on the wire carries it. */
#define SIM_TZ_MIN 480
#define SIM_DAY_MS 86400000LL

/* Builds the world: reads data_dir/sim/catalogue.txt, makes the catalogue and
 * every platform's merchants and listings (all initially present). */
ty_err sim_world_build(sim_world *w, const ty_sim_opts *o, const char *data_dir, char *err,
                       size_t errn);
void sim_world_free(sim_world *w);

/* Batch code and expiry day of lot k of product p. Lots are per product, so the
 * same lot can be sold on several platforms. */
void sim_lot_code(const sim_world *w, int p, int lot, char out[24]);
int32_t sim_lot_expiry(const sim_world *w, int p, int lot);

/* Makes a new product of brand and kind (name, size, GTIN, INCI, price, lots)
 * and adds it to the catalogue; returns its index, or -1 when out of memory. */
int sim_world_new_product(sim_world *w, gsl_rng *r, int brand, int kind);

/* Adds a product to the catalogue; returns its index or -1. */
int sim_world_add_product(sim_world *w, const sim_product *p);

/* Adds a merchant or listing to platform pl; returns its index or -1 on allocation failure. */
int sim_world_add_merchant(sim_platform *pl, const sim_merchant *m);
int sim_world_add_listing(sim_platform *pl, const sim_listing *l);

/* Rewrites s (size n) in the platform's script: traditional characters on the
 * platform for Hong Kong, Macao and Taiwan buyers, unchanged elsewhere. */
ty_err sim_world_localise(sim_world *w, const sim_platform *pl, char *s, size_t n);

/* Writes the title of listing l (its product and merchant set) on platform pl,
 * in the platform's script. */
ty_err sim_world_title(sim_world *w, const sim_platform *pl, sim_listing *l);

/* Writes a GTIN-13 with a valid GS1 check digit for a product from country cc. */
void sim_gtin13(const char *cc, uint64_t h, char out[16]);

/* ---------------------------------------------------------------- incidents.c */

typedef enum {
    SIM_INC_ALLERGY = 0,
    SIM_INC_COUNTERFEIT,
    SIM_INC_EXPIRED,
    SIM_INC_DAMAGED,
    SIM_INC_BANNED,
} sim_inc_kind;
#define SIM_INC_KINDS 5
#define SIM_INC_MAX   (2 * TY_SIM_PLATFORMS_MAX)

typedef struct sim_incident {
    sim_inc_kind kind;
    int platform;
    int64_t onset_ms, end_ms;
    int listing;   /* allergy, expired, banned: the listing; -1 otherwise */
    int product;   /* allergy: the product whose lot is affected */
    int lot;       /* allergy, expired: the affected lot */
    int merchant;  /* counterfeit: the merchant */
    int warehouse; /* damaged: the bonded warehouse of the route */
} sim_incident;

typedef struct sim_incidents {
    sim_incident inc[SIM_INC_MAX];
    int n;
} sim_incidents;

/* Plans the incidents: one of each kind at least, spread across platforms, each
 * with an onset inside the period; adds the merchants, products and listings
 * they need (not yet present: they appear at onset). */
ty_err sim_incidents_plan(sim_world *w, sim_incidents *in, char *err, size_t errn);

/* Bit set of incident effects (1 << sim_inc_kind) on a line item sold at t. */
unsigned sim_incidents_effects(const sim_world *w, const sim_incidents *in, int platform,
                               int listing, int lot, int64_t t_ms);

/* The INCI name a banned-ingredient product adds to its label. */
const char *sim_banned_inci(void);

/* Writes the ground truth, one JSON object per incident. */
ty_err sim_incidents_write_truth(const sim_world *w, const sim_incidents *in, const char *dir,
                                 char *path_out, size_t pathn, char *err, size_t errn);

/* ---------------------------------------------------------------- writer.c */

/* One output file being written: JSON Lines through a yajl generator into
 * "<path>.tmp", made durable and renamed over path by sim_out_commit(). Errors
 * are sticky: after the first, every call does nothing and commit reports it. */
typedef struct sim_out {
    char path[512], tmp[530];
    void *f; /* FILE * */
    yajl_gen g;
    ty_err err;
    char why[256];
} sim_out;

ty_err sim_out_open(sim_out *o, const char *dir, const char *name, char *err, size_t errn);
/* Flushes, fsyncs, closes and renames into place, then fsyncs the folder. */
ty_err sim_out_commit(sim_out *o, char *err, size_t errn);
/* Closes and removes the temporary file (safe after commit or on a zeroed sim_out). */
void sim_out_abort(sim_out *o);

/* Starts a record: opens the object and writes spec_version, type, id, time. */
void sim_rec_begin(sim_out *o, const char *type, const char *id, int64_t t_ms);
/* Ends the record and writes it as one line. */
void sim_rec_end(sim_out *o);
void sim_put_str(sim_out *o, const char *key, const char *v);
/* key NULL: an array item */
void sim_put_strn(sim_out *o, const char *key, const char *v, size_t n);
void sim_put_int(sim_out *o, const char *key, int64_t v);
void sim_put_date(sim_out *o, const char *key, int32_t day);
void sim_put_time(sim_out *o, const char *key, int64_t t_ms);
/* A bare key, to be followed by sim_open_array()/sim_open_map() or a value. */
void sim_put_key(sim_out *o, const char *key);
void sim_open_array(sim_out *o);
void sim_close_array(sim_out *o);
void sim_open_map(sim_out *o);
void sim_close_map(sim_out *o);
void sim_val_str(sim_out *o, const char *v);

/* Creates dir and its missing parents. */
ty_err sim_mkdirs(const char *dir, char *err, size_t errn);

#endif
