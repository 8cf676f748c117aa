/*
 * test_text.c - the text classifier: every risk class caught in simplified
 * Chinese, traditional Chinese and English (hand-written texts and texts the
 * simulator writes); negation and contrast; no false hits on harmless words
 * that contain a term; invalid UTF-8, empty and over-long texts; handles
 * shared between threads. Then, on the real reviews: the shipped model is
 * exactly what the training code makes from the data, it reaches 0.93 on the
 * held-out rows, beats the plain bigram naive Bayes measured here on the same
 * rows, and loses at most 0.02 on the same rows in traditional script.
 */
#include <pthread.h>
#include <sys/stat.h>

#include <opencc/opencc.h>

#include "check.h"
#include "text/text_impl.h"

static ty_text *clf;
static ty_text_result r;

/* Classifies s; returns the class bits found (not negated). */
static unsigned classes(const char *s)
{
    ty_err e = ty_text_classify(clf, s, strlen(s), &r);
    CHECK_INT(e, TY_OK);
    return e == TY_OK ? r.classes : 0;
}

/* Is there a hit of class cls on exactly the text term, negated or not as given? */
static int has_hit(const char *s, int cls, const char *term, int negated)
{
    for (size_t i = 0; i < r.nhits; i++)
        if (r.hits[i].cls == cls && r.hits[i].negated == negated && r.hits[i].len == strlen(term) &&
            memcmp(s + r.hits[i].off, term, r.hits[i].len) == 0)
            return 1;
    return 0;
}

#define BIT(c) (1u << (c))

/* Each risk class in each script: text, expected class, a term that must be evidence. */
static const struct {
    const char *text;
    int cls;
    const char *term;
} caught[] = {
    /* simplified: hand-written and from the simulator's banks */
    {"用了两天脸上起了很多小红疹，又痒又刺痛", TY_TEXT_ALLERGY, "刺痛"},
    {"皮肤过敏，医生说是接触性皮炎", TY_TEXT_ALLERGY, "接触性皮炎"},
    {"洗完头皮痒得不行", TY_TEXT_ALLERGY, "痒"},
    {"和专柜买的味道完全不一样，怀疑是假货", TY_TEXT_COUNTERFEIT, "假货"},
    {"防伪码查不到，客服说是新批次", TY_TEXT_COUNTERFEIT, "防伪码查不到"},
    {"生产日期是三年前的，早就过期了", TY_TEXT_EXPIRED, "过期"},
    {"打开有一股异味，明显变质了", TY_TEXT_EXPIRED, "变质"},
    {"瓶子压坏了，漏液漏了一箱子", TY_TEXT_DAMAGED, "漏液"},
    {"外包装破损严重，盒子都扁了", TY_TEXT_DAMAGED, "破损"},
    {"没有中文标签，看不懂成分", TY_TEXT_LABEL, "没有中文标签"},
    {"批号被涂改过", TY_TEXT_LABEL, "批号被涂改"},
    {"查了一下成分表，里面有丁苯基甲基丙醛，欧盟已经禁用了", TY_TEXT_HARMFUL, "丁苯基甲基丙醛"},
    {"检测出汞含量超标", TY_TEXT_HARMFUL, "汞"},
    {"太失望了，差评", TY_TEXT_NEGATIVE, "差评"},
    /* traditional: OpenCC-derived variants (s2hk as the simulator writes, s2tw) and
     * Cantonese / Taiwan words of zh-Hant.txt */
    {"用了兩天臉上起了很多小紅疹，又癢又刺痛", TY_TEXT_ALLERGY, "紅疹"},
    {"塊面好痕，仲出晒疹", TY_TEXT_ALLERGY, "好痕"},
    {"和專櫃買的味道完全不一樣，懷疑是假貨", TY_TEXT_COUNTERFEIT, "假貨"},
    {"防偽碼查不到", TY_TEXT_COUNTERFEIT, "防偽碼查不到"},
    {"防僞碼查不到", TY_TEXT_COUNTERFEIT, "防僞碼查不到"},
    {"呢支係老翻嚟", TY_TEXT_COUNTERFEIT, "老翻"},
    {"收到發現已經過期了", TY_TEXT_EXPIRED, "過期"},
    {"買到即期品，只剩兩個月", TY_TEXT_EXPIRED, "即期品"},
    {"瓶子壓壞了，漏液漏了一箱子", TY_TEXT_DAMAGED, "漏液"},
    {"個樽爛咗", TY_TEXT_DAMAGED, "爛咗"},
    {"沒有中文標籤，看不懂成分", TY_TEXT_LABEL, "沒有中文標籤"},
    {"成分裡有丁苯基甲基丙醛，歐盟已經禁用了", TY_TEXT_HARMFUL, "歐盟已經禁用"},
    {"驗出含有西藥成分", TY_TEXT_HARMFUL, "西藥成分"},
    {"好失望，差評", TY_TEXT_NEGATIVE, "差評"},
    /* English */
    {"After two days I got a red itchy rash all over my cheeks.", TY_TEXT_ALLERGY, "rash"},
    {"Bad allergic reaction, I had to see a doctor.", TY_TEXT_ALLERGY, "allergic"}, /* allerg* */
    {"Itching and SWELLING all night.", TY_TEXT_ALLERGY, "SWELLING"},
    {"Smells completely different from the one at the counter, I think it's fake.",
     TY_TEXT_COUNTERFEIT, "fake"},
    {"Blurry printing on the box, obviously COUNTERFEIT.", TY_TEXT_COUNTERFEIT, "COUNTERFEIT"},
    {"It arrived already expired.", TY_TEXT_EXPIRED, "expired"},
    {"Smells off and the cream has separated, it's spoiled.", TY_TEXT_EXPIRED, "spoiled"},
    {"The bottle was crushed and leaked all over the box.", TY_TEXT_DAMAGED, "crushed"},
    {"No Chinese label and the ingredient list doesn't match.", TY_TEXT_LABEL, "No Chinese label"},
    {"The ingredient list includes Butylphenyl Methylpropional, which is banned in the EU.",
     TY_TEXT_HARMFUL, "Butylphenyl Methylpropional"},
    {"Contains BMHCA (lilial), a fragrance the EU prohibited in 2022.", TY_TEXT_HARMFUL, "BMHCA"},
    {"Lab tests found a high lead content.", TY_TEXT_HARMFUL, "lead content"},
    {"Total waste of money, very disappointed.", TY_TEXT_NEGATIVE, "waste of money"},
};

static void test_classes(void)
{
    for (size_t i = 0; i < sizeof caught / sizeof *caught; i++) {
        unsigned got = classes(caught[i].text);
        if (!(got & BIT(caught[i].cls)) ||
            !has_hit(caught[i].text, caught[i].cls, caught[i].term, 0))
            fprintf(stderr, "  text: %s\n", caught[i].text);
        CHECK(got & BIT(caught[i].cls));
        CHECK(has_hit(caught[i].text, caught[i].cls, caught[i].term, 0));
    }
    /* evidence: offsets point at the term, the entry is the simplified lexicon word */
    const char *s = "用了以後過敏";
    classes(s);
    CHECK_INT(r.nhits, 1);
    CHECK_INT(r.hits[0].off, strlen("用了以後"));
    CHECK_INT(r.hits[0].len, strlen("過敏"));
    CHECK_STR(r.hits[0].term, "过敏");
    /* the longer term of one class wins over the shorter inside it */
    s = "皮肤过敏了";
    classes(s);
    CHECK_INT(r.nhits, 1);
    CHECK(has_hit(s, TY_TEXT_ALLERGY, "皮肤过敏", 0));
    /* several classes in one text, in text order */
    s = "收到发现已经过期了，瓶子也压坏了，用了还过敏";
    CHECK_INT(classes(s), BIT(TY_TEXT_EXPIRED) | BIT(TY_TEXT_DAMAGED) | BIT(TY_TEXT_ALLERGY));
    for (size_t i = 1; i < r.nhits; i++)
        CHECK(r.hits[i - 1].off < r.hits[i].off);
}

static void test_negation(void)
{
    const char *s;
    s = "用了一个月，没有过敏";
    CHECK_INT(classes(s) & BIT(TY_TEXT_ALLERGY), 0);
    CHECK(has_hit(s, TY_TEXT_ALLERGY, "过敏", 1));
    CHECK_INT(r.hits[0].cue_off, strlen("用了一个月，"));
    CHECK_INT(classes("绝对是正品，不是假货") & BIT(TY_TEXT_COUNTERFEIT), 0);
    CHECK_INT(classes("It's not fake at all.") & BIT(TY_TEXT_COUNTERFEIT), 0);
    CHECK_INT(classes("I didn't get any rash.") & BIT(TY_TEXT_ALLERGY), 0);
    CHECK_INT(classes("No irritation whatsoever") & BIT(TY_TEXT_ALLERGY), 0);
    CHECK_INT(classes("敏感肌用了也不会过敏") & BIT(TY_TEXT_ALLERGY), 0);
    CHECK_INT(classes("日期很新，没过期") & BIT(TY_TEXT_EXPIRED), 0);
    CHECK_INT(classes("沒有過敏，好用") & BIT(TY_TEXT_ALLERGY), 0);
    CHECK_INT(classes("冇過敏") & BIT(TY_TEXT_ALLERGY), 0);
    CHECK_INT(classes("不含激素，放心") & BIT(TY_TEXT_HARMFUL), 0);
    CHECK_INT(classes("fragrance-free and paraben free, no steroids") & BIT(TY_TEXT_HARMFUL), 0);
    CHECK_INT(classes("抗过敏效果不错") & BIT(TY_TEXT_ALLERGY), 0);
    CHECK_INT(classes("零差评") & BIT(TY_TEXT_NEGATIVE), 0);
    CHECK_INT(classes("红肿也没有") & BIT(TY_TEXT_ALLERGY), 0);
    /* the negation ends at clause punctuation and at a contrast word */
    CHECK(classes("没有发票，用了过敏") & BIT(TY_TEXT_ALLERGY));
    CHECK(classes("没用多久但是过敏了") & BIT(TY_TEXT_ALLERGY));
    CHECK(classes("No receipt, and the box was crushed.") & BIT(TY_TEXT_DAMAGED));
    CHECK(classes("Not sure but it looks fake.") & BIT(TY_TEXT_COUNTERFEIT));
    /* ...and does not reach far */
    CHECK(classes("不知不觉脸上就过敏了") & BIT(TY_TEXT_ALLERGY));
    CHECK(classes("用了不到一周就过敏了") & BIT(TY_TEXT_ALLERGY));
    CHECK(classes("没想到会过敏") & BIT(TY_TEXT_ALLERGY));
    CHECK(classes("痒得不停") & BIT(TY_TEXT_ALLERGY));
    CHECK(classes("不停地痒") & BIT(TY_TEXT_ALLERGY));
    /* a question about genuineness is suspicion, not a denial */
    CHECK(classes("不知道是不是假的") & BIT(TY_TEXT_COUNTERFEIT));
    CHECK(classes("No doubt it's a fake.") & BIT(TY_TEXT_COUNTERFEIT));
    /* a term that contains a cue is not negated by it */
    CHECK(classes("不是正品") & BIT(TY_TEXT_COUNTERFEIT));
    CHECK(classes("Not genuine.") & BIT(TY_TEXT_COUNTERFEIT));
    /* "不过" is "but" unless it is the 不 of 不过敏 */
    CHECK(classes("包装不错，不过有点过敏") & BIT(TY_TEXT_ALLERGY));
    CHECK_INT(classes("用了不过敏") & BIT(TY_TEXT_ALLERGY), 0);
}

static void test_no_false_hits(void)
{
    /* English terms match whole words only */
    CHECK_INT(classes("The description was misleading about the size.") & BIT(TY_TEXT_HARMFUL), 0);
    CHECK(r.classes & BIT(TY_TEXT_LABEL));
    CHECK_INT(classes("This will lead to leading brands misleading buyers.") & BIT(TY_TEXT_HARMFUL),
              0);
    CHECK_INT(classes("Sparkling bottle, great value."), 0);      /* "rash"? no: "ling" */
    CHECK_INT(classes("The brashness of the scent is fine."), 0); /* "rash" inside "brashness" */
    CHECK_INT(classes("I started getting sales calls; my data may have leaked."), 0);
    CHECK_INT(classes("Hello, I will buy again."), 0); /* "hell", "ill" */
    /* Chinese terms inside harmless words */
    CHECK_INT(classes("去屑止痒效果很好"), 0);                        /* 止痒: anti-itch */
    CHECK_INT(classes("买了一支铅笔做赠品"), 0);                      /* 铅笔: pencil */
    CHECK_INT(classes("效果远远超过期望"), 0);                        /* 过期望 */
    CHECK_INT(classes("国庆放假的时候到的"), 0);                      /* 放假的 */
    CHECK_INT(classes("不过敏感肌也能用") & BIT(TY_TEXT_ALLERGY), 0); /* 不过 + 敏感肌 */
    CHECK_INT(classes("不好意思，忘了评价"), 0);                      /* 不好意思 */
    CHECK_INT(classes("物流一星期就到了"), 0);                        /* 一星期 */
    CHECK_INT(classes("防脱发洗发水"), 0);                            /* 防脱发: claim */
    CHECK_INT(classes("質地很清爽，吸收得很快"), 0);
    CHECK_INT(classes("洗完头发很蓬松，不会痒"), 0);
}

static void test_input(void)
{
    /* empty text: valid, no hits, the prior */
    CHECK_INT(ty_text_classify(clf, "", 0, &r), TY_OK);
    CHECK_INT(r.nhits, 0);
    CHECK_INT(r.features, 0);
    CHECK(r.score > 0 && r.score < 1);
    /* invalid UTF-8: an error saying where */
    const char bad[] = "过敏\xe8\xbf";
    CHECK_INT(ty_text_classify(clf, bad, sizeof bad - 1, &r), TY_EPARSE);
    CHECK_INT(r.bad_utf8_at, 6);
    CHECK_INT(r.nhits, 0);
    CHECK_INT(ty_text_classify(clf, "\xc0\x80", 2, &r), TY_EPARSE);     /* overlong NUL */
    CHECK_INT(ty_text_classify(clf, "\xed\xa0\x80", 3, &r), TY_EPARSE); /* surrogate */
    /* not NUL-terminated: only len bytes are read */
    const char part[] = "过敏过期";
    CHECK_INT(ty_text_classify(clf, part, 6, &r), TY_OK);
    CHECK_INT(r.classes, BIT(TY_TEXT_ALLERGY));
    /* too long */
    static char big[TY_TEXT_LEN_MAX + 2];
    memset(big, 'a', sizeof big);
    CHECK_INT(ty_text_classify(clf, big, TY_TEXT_LEN_MAX + 1, &r), TY_ELIMIT);
    CHECK_INT(ty_text_classify(clf, big, TY_TEXT_LEN_MAX, &r), TY_OK);
    /* many terms: hits beyond the maximum are counted, not stored */
    char many[4096] = "";
    for (int i = 0; i < 60; i++)
        strncat(many, "过敏，", sizeof many - strlen(many) - 1);
    CHECK_INT(ty_text_classify(clf, many, strlen(many), &r), TY_OK);
    CHECK_INT(r.nhits, TY_TEXT_HITS_MAX);
    CHECK_INT(r.nhits_total, 60);
    /* English text is scored by the lexicon-only model */
    classes("Terrible, I got a rash and hives.");
    CHECK(r.lexicon_only);
    CHECK(r.negative);
    classes("Lovely subtle scent, absorbs quickly.");
    CHECK(r.lexicon_only);
    CHECK(!r.negative);
    classes("用了很舒服，会回购的");
    CHECK(!r.lexicon_only);
    CHECK(!r.negative);
    classes("垃圾产品，用了头皮痒，差评");
    CHECK(r.negative);
}

/* Two threads, each with its own handle on the same data, give the same answers. */
typedef struct thread_arg {
    ty_text *h;
    int same;
} thread_arg;

static void *worker(void *p)
{
    thread_arg *a = p;
    ty_text_result mine;
    a->same = 1;
    for (int k = 0; k < 200; k++)
        for (size_t i = 0; i < sizeof caught / sizeof *caught; i++) {
            if (ty_text_classify(a->h, caught[i].text, strlen(caught[i].text), &mine) != TY_OK ||
                !(mine.classes & BIT(caught[i].cls)))
                a->same = 0;
        }
    return NULL;
}

static void test_threads(void)
{
    thread_arg a[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        CHECK_INT(ty_text_clone(clf, &a[i].h), TY_OK);
        CHECK_INT(pthread_create(&th[i], NULL, worker, &a[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        CHECK(a[i].same);
        ty_text_close(&a[i].h);
        CHECK(a[i].h == NULL);
    }
}

static void test_bad_data(void)
{
    char dir[512], path[600], err[512];
    snprintf(dir, sizeof dir, "%s/text-data-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/lexicon", dir);
    CHECK_INT(mkdir(path, 0700), 0);
    const char *files[] = {"zh-Hans.txt", "zh-Hant.txt", "en.txt"};
    const char *bodies[] = {"[allergy]\n过敏\n", "[nonsense]\n", "[allergy]\nrash\n"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/lexicon/%s", dir, files[i]);
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        if (f) {
            fputs(bodies[i], f);
            fclose(f);
        }
    }
    ty_text *h = (ty_text *)1;
    CHECK_INT(ty_text_open(&h, dir, err, sizeof err), TY_EPARSE);
    CHECK(h == NULL);
    CHECK_CONTAINS(err, "zh-Hant.txt:1: unknown section [nonsense]");
    CHECK_INT(ty_text_open(&h, "/nonexistent", err, sizeof err), TY_ENOENT);
    CHECK_CONTAINS(err, "zh-Hans.txt");
}

static void test_accuracy(void)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/reviews-zh/shampoo_dev.csv", check_data_dir());
    text_corpus c;
    CHECK_INT(corpus_load(&c, path, err, sizeof err), TY_OK);
    if (c.n == 0) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    CHECK_INT(c.n, 5000);
    unsigned char *tr = malloc(c.n), *te = malloc(c.n);
    for (size_t i = 0; i < c.n; i++) {
        te[i] = (unsigned char)CORPUS_HELDOUT(i);
        tr[i] = (unsigned char)!te[i];
    }
    /* the shipped weights are what the training code makes from the data */
    ty_text *lexonly;
    CHECK_INT(text_open_ex(&lexonly, TY_DATA_DIR, NULL, 0, 1, err, sizeof err), TY_OK);
    train_opts o;
    train_opts_default(&o);
    ty_buf trained;
    ty_buf_init(&trained, (size_t)64 << 20);
    CHECK_INT(
        text_train(lexonly, &c, tr, &o, "reviews-zh/shampoo_dev.csv", &trained, err, sizeof err),
        TY_OK);
    ty_text_close(&lexonly);
    FILE *f = fopen(TY_DATA_DIR "/model/sentiment.txt", "rb");
    CHECK(f != NULL);
    if (f) {
        ty_buf shipped;
        ty_buf_init(&shipped, (size_t)64 << 20);
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            ty_buf_append(&shipped, chunk, n);
        fclose(f);
        CHECK_INT(shipped.len, trained.len);
        CHECK(shipped.len == trained.len && memcmp(shipped.data, trained.data, shipped.len) == 0);
        ty_buf_free(&shipped);
    }
    ty_buf_free(&trained);

    /* accuracy of the shipped model on the held-out rows, against the baseline */
    double base = nb_bigram_baseline(&c, tr, te);
    double acc = text_accuracy(clf, &c, te, NULL);
    printf("held-out accuracy (%zu rows): bigram NB baseline %.4f, model %.4f\n", c.n / 5, base,
           acc);
    CHECK(acc >= 0.93);
    CHECK(acc > base);
    static const char *const configs[] = {"s2t.json", "s2hk.json", "s2tw.json"};
    for (size_t k = 0; k < 3; k++) {
        opencc_t cc = opencc_open(configs[k]);
        CHECK(cc != (opencc_t)-1);
        if (cc == (opencc_t)-1)
            continue;
        double t = text_accuracy(clf, &c, te, cc);
        opencc_close(cc);
        printf("held-out accuracy in traditional script (%s): %.4f\n", configs[k], t);
        CHECK(t >= acc - 0.02);
    }
    free(tr);
    free(te);
    corpus_free(&c);
}

int main(void)
{
    char err[512];
    if (ty_text_open(&clf, TY_DATA_DIR, err, sizeof err) != TY_OK) {
        fprintf(stderr, "ty_text_open: %s\n", err);
        return 1;
    }
    test_classes();
    test_negation();
    test_no_false_hits();
    test_input();
    test_threads();
    test_bad_data();
    test_accuracy();
    ty_text_close(&clf);
    CHECK(clf == NULL);
    return check_done("test_text");
}
