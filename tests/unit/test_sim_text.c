/*
 * test_sim_text.c - the simulator's building blocks: the data-file reader
 * (sections, limits, errors that name the line), buyer text in three scripts
 * (OpenCC conversion of whole simplified texts, no placeholder left unfilled),
 * and the identifiers it makes (GS1 check digits, lot codes and expiry).
 */
#include <unistd.h>

#include <gsl/gsl_rng.h>

#include "check.h"
#include "sim/sim_impl.h"
#include "tianyan/timeutil.h"

static char dir[400];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

static void test_bank(void)
{
    char path[512], err[512];
    sim_bank b;
    snprintf(path, sizeof path, "%s/ok.txt", dir);
    write_file(path, "# comment\n\n[one]\na|b|c\n  spaced  \n[two]\nx\n[empty]\n");
    CHECK_INT(sim_bank_load(&b, path, err, sizeof err), TY_OK);
    const sim_list *one = sim_bank_get(&b, "one");
    CHECK(one != NULL);
    if (one) {
        CHECK_INT(one->n, 2);
        CHECK_STR(one->items[0], "a|b|c");
        CHECK_STR(one->items[1], "spaced"); /* trimmed */
    }
    CHECK(sim_bank_get(&b, "three") == NULL);
    const sim_list *l;
    CHECK_INT(sim_bank_need(&b, "empty", &l, err, sizeof err), TY_ENOENT);
    CHECK_CONTAINS(err, "[empty]");
    CHECK_CONTAINS(err, "ok.txt");
    const char *add[] = {"p", "q"};
    CHECK_INT(sim_bank_add(&b, "added", add, 2), TY_OK);
    /* adding a section keeps the earlier ones intact */
    one = sim_bank_get(&b, "one");
    CHECK(one && one->n == 2 && strcmp(one->items[1], "spaced") == 0);
    const sim_list *ad = sim_bank_get(&b, "added");
    CHECK(ad && ad->n == 2 && strcmp(ad->items[1], "q") == 0);

    const char *f[4];
    size_t len[4];
    CHECK_INT(sim_split("a|bb||c", '|', f, len, 4), 4);
    CHECK_INT(len[1], 2);
    CHECK_INT(len[2], 0);
    CHECK_INT(sim_split("a|b|c", '|', f, len, 2), 2); /* at most max fields */
    sim_bank_free(&b);

    /* errors name the file and line */
    snprintf(path, sizeof path, "%s/bad.txt", dir);
    write_file(path, "[ok]\nitem\n[broken\n");
    CHECK_INT(sim_bank_load(&b, path, err, sizeof err), TY_EPARSE);
    CHECK_CONTAINS(err, "bad.txt:3:");
    sim_bank_free(&b);
    write_file(path, "orphan\n[s]\n");
    CHECK_INT(sim_bank_load(&b, path, err, sizeof err), TY_EPARSE);
    CHECK_CONTAINS(err, ":1:");
    sim_bank_free(&b);
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    CHECK_INT(sim_bank_load(&b, path, err, sizeof err), TY_ENOENT);
    CHECK_CONTAINS(err, "missing.txt");
    sim_bank_free(&b);
}

/* Characters that only simplified Chinese uses (their traditional forms differ). */
static int has_simplified_only(const char *s)
{
    static const char *const simp[] = {"过", "肤", "货", "买", "这", "们", "质",
                                       "红", "发", "痒", "码", "变", "坏", "后"};
    for (size_t i = 0; i < sizeof simp / sizeof simp[0]; i++)
        if (strstr(s, simp[i]))
            return 1;
    return 0;
}

static int has_traditional(const char *s)
{
    static const char *const trad[] = {"過", "膚", "貨", "買", "這", "們", "質", "紅", "發",
                                       "癢", "碼", "變", "壞", "後", "臉", "專", "價", "無"};
    for (size_t i = 0; i < sizeof trad / sizeof trad[0]; i++)
        if (strstr(s, trad[i]))
            return 1;
    return 0;
}

static int ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

static void test_text(void)
{
    sim_text tx;
    char err[512] = "";
    ty_err e = sim_text_init(&tx, TY_DATA_DIR, 1, err, sizeof err);
    CHECK_INT(e, TY_OK);
    if (e != TY_OK) {
        fprintf(stderr, "%s\n", err);
        sim_text_free(&tx);
        return;
    }
    /* OpenCC conversion of a phrase, and of whole banks */
    char out[128];
    CHECK_INT(sim_text_to_hant(&tx, "过敏，皮肤红肿，怀疑是假货", out, sizeof out), TY_OK);
    CHECK_STR(out, "過敏，皮膚紅腫，懷疑是假貨");
    CHECK_INT(sim_text_to_hant(&tx, "过敏过敏过敏过敏", out, 8), TY_ELIMIT);
    /* OpenCC matches the longest word: 天后 ("queen of heaven") keeps 后, which
     * is why the banks write 天之后 */
    CHECK_INT(sim_text_to_hant(&tx, "使用约3天之后出现红肿", out, sizeof out), TY_OK);
    CHECK_STR(out, "使用約3天之後出現紅腫");

    /* compose many texts: no placeholder is left, every script is what it says */
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 42);
    ty_buf b;
    ty_buf_init(&b, 8192);
    sim_text_ctx c = {"Hanaori", "花织玻尿酸保湿面霜", "面霜", "cream", 3, 9, 2};
    sim_text_ctx ce = {"Hanaori", "Hanaori Hydrating face cream", "face cream", "cream", 3, 9, 2};
    static const char *const reasons[] = {
        "no_reason",     "adverse_reaction", "suspected_counterfeit",
        "expired",       "spoiled",          "damaged",
        "label_problem", "wrong_item",       "other"};
    static const char *const cats[] = {"delivery", "counterfeit", "adverse_reaction",
                                       "expired",  "packaging",   "ingredient",
                                       "price",    "privacy",     "other"};
    int bad_placeholder = 0, bad_script = 0, empty = 0, hant_trad = 0, n_hant = 0;
    for (int i = 0; i < 600; i++) {
        sim_lang lang = (sim_lang)(i % 3);
        const sim_text_ctx *cx = lang == SIM_LANG_EN ? &ce : &c;
        int kind = (i / 3) % 4;
        int stars = 1 + (i / 12) % 5;
        sim_problem prob = (sim_problem)((i / 7) % 8);
        if (kind == 0)
            e = sim_text_review(&tx, r, lang, stars, prob, cx, &b);
        else if (kind == 1)
            e = sim_text_return(&tx, r, lang, reasons[i % 9], cx, &b);
        else if (kind == 2)
            e = sim_text_complaint(&tx, r, lang, cats[i % 9], cx, &b);
        else
            e = sim_text_adverse(&tx, r, lang, cx, &b);
        CHECK_INT(e, TY_OK);
        const char *s = ty_buf_cstr(&b);
        empty += s[0] == '\0';
        bad_placeholder += strchr(s, '{') != NULL || strchr(s, '}') != NULL;
        int was = bad_script;
        if (lang == SIM_LANG_EN)
            bad_script += !ascii_only(s);
        else if (lang == SIM_LANG_HANT) {
            bad_script += has_simplified_only(s);
            hant_trad += has_traditional(s);
            n_hant++;
        } else {
            bad_script += has_traditional(s);
        }
        if (bad_script != was)
            fprintf(stderr, "wrong script for %s: %s\n", lang == SIM_LANG_EN ? "en" : "zh", s);
    }
    CHECK_INT(empty, 0);
    CHECK_INT(bad_placeholder, 0);
    CHECK_INT(bad_script, 0);
    CHECK(hant_trad * 2 > n_hant);

    /* negative reviews carry the risk words an analyst searches for */
    int found = 0;
    for (int i = 0; i < 20; i++) {
        sim_text_review(&tx, r, SIM_LANG_HANS, 1, SIM_PROB_ALLERGY, &c, &b);
        const char *s = ty_buf_cstr(&b);
        found += strstr(s, "过敏") || strstr(s, "红") || strstr(s, "疹") || strstr(s, "刺痛") ||
                 strstr(s, "脱皮");
    }
    CHECK_INT(found, 20);
    /* complaints quote the order date and the product */
    sim_text_complaint(&tx, r, SIM_LANG_HANS, "counterfeit", &c, &b);
    CHECK(strstr(ty_buf_cstr(&b), "9月2日") || strstr(ty_buf_cstr(&b), "花织"));
    ty_buf_free(&b);
    gsl_rng_free(r);
    sim_text_free(&tx);
}

/* GS1 check digit computed independently: positions counted from the left,
 * odd positions weight 1 and even ones 3 for a 13-digit GTIN. */
static int gtin13_ok(const char *g)
{
    if (strlen(g) != 13)
        return 0;
    int sum = 0;
    for (int i = 0; i < 12; i++) {
        if (g[i] < '0' || g[i] > '9')
            return 0;
        sum += (g[i] - '0') * ((i + 1) % 2 ? 1 : 3);
    }
    return (10 - sum % 10) % 10 == g[12] - '0';
}

static void test_ids(void)
{
    static const char *const cc[] = {"JP", "KR", "FR", "US", "AU", "DE", "IT",
                                     "GB", "NZ", "TH", "CH", "ES", "CN"};
    int bad = 0;
    char g[16];
    for (size_t i = 0; i < sizeof cc / sizeof cc[0]; i++)
        for (uint64_t h = 0; h < 200; h++) {
            sim_gtin13(cc[i], sim_mix(h * 31 + i), g);
            bad += !gtin13_ok(g);
        }
    CHECK_INT(bad, 0);
    sim_gtin13("JP", 12345, g);
    CHECK(strncmp(g, "49", 2) == 0); /* GS1 Japan */
    sim_gtin13("KR", 12345, g);
    CHECK(strncmp(g, "880", 3) == 0); /* GS1 Korea */

    /* lots: codes differ, expiry is three years after manufacture */
    sim_world w;
    memset(&w, 0, sizeof w);
    sim_product p;
    memset(&p, 0, sizeof p);
    p.lot0_mfg = (int32_t)ty_days_from_civil(2026, 3, 1);
    w.products = &p;
    w.nproducts = 1;
    char a[24], b[24];
    sim_lot_code(&w, 0, 0, a);
    sim_lot_code(&w, 0, 1, b);
    CHECK(strcmp(a, b) != 0);
    CHECK(strncmp(a, "2603", 4) == 0); /* yymm of manufacture */
    int32_t e0 = sim_lot_expiry(&w, 0, 0);
    CHECK(e0 >= p.lot0_mfg + 1095 && e0 < p.lot0_mfg + 1095 + 7);
    CHECK(sim_lot_expiry(&w, 0, -40) < p.lot0_mfg); /* old lots expired long ago */
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test_sim_text.%d", tmp && *tmp ? tmp : "/tmp", (int)getpid());
    char err[256];
    CHECK_INT(sim_mkdirs(dir, err, sizeof err), TY_OK);
    test_bank();
    test_text();
    test_ids();
    char path[512];
    static const char *const files[] = {"ok.txt", "bad.txt"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
    return check_done("test_sim_text");
}
