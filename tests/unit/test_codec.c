/*
 * test_codec.c - the JSON Lines and CSV decoders and validation: every record
 * type accepted, every class of fault rejected with its line, field and
 * reason, bad lines never blocking good ones, limits enforced, and the same
 * result whatever the chunking of the input.
 */
#include "check.h"
#include "tianyan/codec.h"

#define MAXOUT 64

typedef struct result {
    int nrec, nrej;
    char rec[MAXOUT][2048]; /* canonical JSON of each record */
    uint64_t rec_line[MAXOUT];
    char rej[MAXOUT][512]; /* formatted reject */
    ty_reject_class cls[MAXOUT];
} result;

static ty_err ident_hash(void *ctx, const char *id, size_t n, char out[80])
{
    (void)ctx;
    snprintf(out, 80, "H(%.*s)", (int)(n > 60 ? 60 : n), id);
    return TY_OK;
}

static ty_err on_rec(void *ctx, const ty_record *r)
{
    result *res = ctx;
    if (res->nrec < MAXOUT) {
        ty_buf b;
        ty_buf_init(&b, 1 << 20);
        CHECK_INT(ty_record_to_json(r, ident_hash, NULL, &b), TY_OK);
        snprintf(res->rec[res->nrec], sizeof res->rec[0], "%s", ty_buf_cstr(&b));
        res->rec_line[res->nrec] = r->line;
        ty_buf_free(&b);
    }
    res->nrec++;
    return TY_OK;
}

static ty_err on_rej(void *ctx, const ty_reject *r)
{
    result *res = ctx;
    if (res->nrej < MAXOUT) {
        ty_reject_format(r, res->rej[res->nrej], sizeof res->rej[0]);
        res->cls[res->nrej] = r->class_;
    }
    res->nrej++;
    return TY_OK;
}

/* Decodes text fed in chunks of `chunk` bytes (0: all at once). */
static void decode(ty_format fmt, const char *text, size_t chunk, size_t max_line, result *res)
{
    memset(res, 0, sizeof *res);
    ty_sink sink = {on_rec, on_rej, res};
    ty_codec_limits lim;
    ty_codec_limits_default(&lim);
    lim.now_ms = 1790000000000LL; /* 2026-09-21 */
    if (max_line)
        lim.max_line = max_line;
    ty_decoder *d;
    CHECK_INT(ty_decoder_new(&d, fmt, &lim, &sink), TY_OK);
    size_t n = strlen(text);
    if (!chunk)
        chunk = n ? n : 1;
    for (size_t off = 0; off < n; off += chunk)
        CHECK_INT(ty_decoder_feed(d, text + off, off + chunk > n ? n - off : chunk), TY_OK);
    CHECK_INT(ty_decoder_finish(d), TY_OK);
    ty_decoder_free(&d);
    CHECK(d == NULL);
}

#define HDR "{\"spec_version\":\"1.0\",\"time\":\"2026-03-01T20:15:00+08:00\","

static const char *good_jsonl =
    HDR "\"type\":\"users_online\",\"id\":\"u1\",\"online\":12345,\"region\":\"CN-ZJ\",\"channel\":"
        "\"app\"}\n" HDR "\"type\":\"product\",\"id\":\"p1\",\"sku\":\"SKU-1\",\"title\":"
        "\"保湿面霜 50ml\",\"brand\":\"Lumière\","
        "\"category\":[\"美妆个护\",\"护肤\",\"面霜\"],\"origin_country\":\"FR\",\"filing_no\":"
        "\"国妆网备进字(沪)2026000001\","
        "\"gtin\":\"4006381333931\",\"batch\":\"L2026A\",\"expiry\":\"2028-02-29\",\"inci\":["
        "\"AQUA\",\"GLYCERIN\"],"
        "\"price\":25900,\"currency\":\"CNY\",\"merchant_id\":\"M1\",\"trade_mode\":\"1210\","
        "\"status\":\"on_sale\"}\n" HDR "\"type\":\"merchant\",\"id\":\"m1\",\"merchant_id\":"
        "\"M1\",\"name\":\"Lumière Official\",\"country\":\"FR\","
        "\"kind\":\"overseas_direct\",\"opened\":\"2020-05-01\"}\n" HDR
        "\"type\":\"order\",\"id\":\"o1\",\"merchant_id\":\"M1\",\"buyer\":\"b-77\",\"items\":[{"
        "\"sku\":\"SKU-1\","
        "\"quantity\":2,\"unit_price\":23900,\"batch\":\"L2026A\"},{\"sku\":\"SKU-2\",\"quantity\":"
        "1,\"unit_price\":0}],"
        "\"currency\":\"CNY\",\"destination\":\"CN-GD\",\"trade_mode\":\"9610\",\"declaration_no\":"
        "\"531620261000123456\","
        "\"port\":\"5316\",\"warehouse\":\"NS-BW-01\"}\n" HDR
        "\"type\":\"review\",\"id\":\"r1\",\"sku\":\"SKU-1\",\"order_id\":\"o1\",\"stars\":1,"
        "\"text\":\"用了兩天臉上起紅疹\\n很癢\",\"lang\":\"zh-Hant\"}\n" HDR
        "\"type\":\"return\",\"id\":\"t1\",\"order_id\":\"o1\",\"sku\":\"SKU-1\",\"quantity\":1,"
        "\"reason\":\"adverse_reaction\",\"text\":\"rash\"}\n" HDR
        "\"type\":\"complaint\",\"id\":\"c1\",\"merchant_id\":\"M1\",\"category\":\"counterfeit\","
        "\"channel\":\"12315\",\"text\":\"防伪码查不到\"}\n" HDR
        "\"type\":\"adverse_event\",\"id\":\"a1\",\"products\":[{\"name\":\"Lumière "
        "cream\",\"sku\":\"SKU-1\",\"batch\":\"L2026A\"}],"
        "\"reactions\":[\"Erythema\",\"Pruritus\"],\"seriousness\":\"non_serious\",\"outcomes\":["
        "\"medical_visit\",\"recovering\"],"
        "\"age_band\":\"30-44\",\"sex\":\"female\",\"onset\":\"2026-02-27\",\"reporter\":"
        "\"consumer\",\"x_note\":\"ignored\"}\n";

static void test_good_records(void)
{
    result r;
    decode(TY_FMT_JSONL, good_jsonl, 0, 0, &r);
    CHECK_INT(r.nrej, 0);
    for (int i = 0; i < r.nrej && i < MAXOUT; i++)
        fprintf(stderr, "  unexpected reject: %s\n", r.rej[i]);
    CHECK_INT(r.nrec, 8);
    /* canonical order, hashed buyer, normalised time, extension field dropped */
    CHECK_STR(r.rec[3],
              "{\"spec_version\":\"1.0\",\"type\":\"order\",\"id\":\"o1\",\"time\":"
              "\"2026-03-01T20:15:00+08:00\",\"merchant_id\":\"M1\",\"buyer\":\"H(b-77)\","
              "\"items\":[{\"sku\":\"SKU-1\",\"quantity\":2,\"unit_price\":23900,\"batch\":"
              "\"L2026A\"},{\"sku\":\"SKU-2\",\"quantity\":1,\"unit_price\":0}],\"currency\":"
              "\"CNY\",\"destination\":\"CN-GD\",\"trade_mode\":\"9610\",\"declaration_no\":"
              "\"531620261000123456\",\"port\":\"5316\",\"warehouse\":\"NS-BW-01\"}");
    CHECK_CONTAINS(r.rec[4], "\"text\":\"用了兩天臉上起紅疹\\n很癢\"");
    CHECK(strstr(r.rec[7], "x_note") == NULL);
    CHECK_INT(r.rec_line[7], 8);

    /* the same input one byte at a time, and in odd chunks, gives the same records */
    result r1;
    decode(TY_FMT_JSONL, good_jsonl, 1, 0, &r1);
    CHECK_INT(r1.nrec, 8);
    for (int i = 0; i < 8; i++)
        CHECK_STR(r1.rec[i], r.rec[i]);
    decode(TY_FMT_JSONL, good_jsonl, 97, 0, &r1);
    CHECK_INT(r1.nrec, 8);
    CHECK_STR(r1.rec[7], r.rec[7]);
}

typedef struct bad_case {
    const char *line;
    ty_reject_class cls;
    const char *msg; /* expected formatted reject (line 1) */
} bad_case;

static const bad_case bad[] = {
    {HDR "\"type\":\"order\",\"id\":\"o\",\"merchant_id\":\"M\",\"items\":[{\"sku\":\"s\","
         "\"quantity\":1,\"unit_price\":12.5}],\"currency\":\"CNY\"}",
     TY_REJ_TYPE, "line 1: field \"items[0].unit_price\": expected an integer, got \"12.5\""},
    {HDR "\"type\":\"order\",\"id\":\"o\",\"merchant_id\":\"M\",\"items\":[{\"sku\":\"s\","
         "\"quantity\":1,\"unit_price\":\"100\"}],\"currency\":\"CNY\"}",
     TY_REJ_TYPE, "line 1: field \"items[0].unit_price\": expected an integer, got \"100\""},
    {HDR "\"type\":\"order\",\"id\":\"o\",\"merchant_id\":\"M\",\"items\":[{\"sku\":\"s\","
         "\"quantity\":0,\"unit_price\":1}],\"currency\":\"CNY\"}",
     TY_REJ_RANGE, "line 1: field \"items[0].quantity\": must be between 1 and 100000, got 0"},
    {HDR "\"type\":\"order\",\"id\":\"o\",\"merchant_id\":\"M\",\"items\":[],\"currency\":\"CNY\"}",
     TY_REJ_RANGE, "line 1: field \"items\": must have 1 to 200 items, got 0"},
    {HDR "\"type\":\"order\",\"id\":\"o\",\"merchant_id\":\"M\",\"items\":[{\"sku\":\"s\","
         "\"quantity\":1,\"unit_price\":1}],\"currency\":\"RMB\"}",
     TY_REJ_FORMAT,
     "line 1: field \"currency\": expected an ISO 4217 currency code (like CNY, USD), got \"RMB\""},
    {HDR "\"type\":\"order\",\"id\":\"o\",\"merchant_id\":\"M\",\"items\":[{\"sku\":\"s\","
         "\"quantity\":1}],\"currency\":\"CNY\"}",
     TY_REJ_MISSING, "line 1: field \"items[0].unit_price\": required field is missing"},
    {HDR "\"type\":\"order\",\"id\":\"o\",\"items\":[{\"sku\":\"s\",\"quantity\":1,\"unit_price\":"
         "1}],\"currency\":\"CNY\"}",
     TY_REJ_MISSING, "line 1: field \"merchant_id\": required field is missing"},
    {HDR "\"type\":\"review\",\"id\":\"r\",\"sku\":\"s\",\"stars\":6}", TY_REJ_RANGE,
     "line 1: field \"stars\": must be between 1 and 5, got 6"},
    {HDR "\"type\":\"review\",\"id\":\"r\",\"sku\":\"s\",\"stars\":5,\"starz\":5}",
     TY_REJ_UNKNOWN_FIELD, "line 1: field \"starz\": unknown field for record type review"},
    {HDR "\"type\":\"review\",\"id\":\"r\",\"sku\":\"s\",\"stars\":5,\"stars\":4}",
     TY_REJ_DUPLICATE_FIELD, "line 1: field \"stars\": field given twice"},
    {HDR "\"type\":\"review\",\"id\":\"r\",\"sku\":null,\"sku\":\"s\",\"stars\":5}",
     TY_REJ_DUPLICATE_FIELD, "line 1: field \"sku\": field given twice"},
    {HDR "\"type\":\"order\",\"id\":\"o\",\"merchant_id\":\"M\",\"items\":[{\"sku\":\"s\","
         "\"batch\":null,\"batch\":\"b\",\"quantity\":1,\"unit_price\":1}],\"currency\":\"CNY\"}",
     TY_REJ_DUPLICATE_FIELD, "line 1: field \"items[0].batch\": field given twice"},
    {HDR "\"type\":\"review\",\"id\":\"   \",\"sku\":\"s\",\"stars\":5}", TY_REJ_RANGE,
     "line 1: field \"id\": must not be blank"},
    {HDR "\"type\":\"complaint\",\"id\":\"c\",\"sku\":\"s\",\"category\":\"quality\",\"channel\":"
         "\"app\",\"text\":\" \\n \"}",
     TY_REJ_RANGE, "line 1: field \"text\": must not be blank"},
    {HDR
     "\"type\":\"adverse_event\",\"id\":\"a\",\"products\":[{\"name\":\"n\"}],\"reactions\":["
     "\"Rash\"],\"seriousness\":\"non_serious\",\"outcomes\":[\"recovered\",\"hospitalisation\"]}",
     TY_REJ_RULE,
     "line 1: field \"seriousness\": must be serious when the outcomes include hospitalisation"},
    {HDR "\"type\":\"review\",\"id\":\"\",\"sku\":\"s\",\"stars\":5}", TY_REJ_RANGE,
     "line 1: field \"id\": must not be empty"},
    {HDR "\"type\":\"review\",\"id\":\"a\\u0007b\",\"sku\":\"s\",\"stars\":5}", TY_REJ_FORMAT,
     "line 1: field \"id\": contains a control character (U+0007) at byte 1"},
    {HDR "\"type\":\"return\",\"id\":\"t\",\"order_id\":\"o\",\"sku\":\"s\",\"reason\":\"broken\"}",
     TY_REJ_ENUM,
     "line 1: field \"reason\": unknown code \"broken\"; expected one of: quality_problem, "
     "not_as_described"},
    {HDR "\"type\":\"refund\",\"id\":\"t\"}", TY_REJ_ENUM,
     "line 1: field \"type\": unknown record type \"refund\""},
    {"{\"spec_version\":\"1.0\",\"type\":\"review\",\"id\":\"r\",\"time\":\"2026-03-01 "
     "20:15:00\",\"sku\":\"s\",\"stars\":5}",
     TY_REJ_FORMAT, "line 1: field \"time\": expected an RFC 3339 date-time with offset"},
    {"{\"spec_version\":\"1.0\",\"type\":\"review\",\"id\":\"r\",\"time\":\"1999-12-31T23:59:59Z\","
     "\"sku\":\"s\",\"stars\":5}",
     TY_REJ_RANGE, "line 1: field \"time\": before 2000-01-01T00:00:00Z"},
    {"{\"spec_version\":\"1.0\",\"type\":\"review\",\"id\":\"r\",\"time\":\"2026-09-30T00:00:00Z\","
     "\"sku\":\"s\",\"stars\":5}",
     TY_REJ_RANGE, "line 1: field \"time\": more than 24 hours in the future"},
    {"{\"spec_version\":\"2.0\",\"type\":\"review\",\"id\":\"r\",\"time\":\"2026-03-01T00:00:00Z\","
     "\"sku\":\"s\",\"stars\":5}",
     TY_REJ_VERSION,
     "line 1: field \"spec_version\": unsupported spec_version \"2.0\"; this build reads 1.x"},
    {HDR "\"type\":\"product\",\"id\":\"p\",\"sku\":\"s\",\"title\":\"t\",\"brand\":\"b\","
         "\"category\":[\"a\"],\"origin_country\":\"FR\",\"gtin\":\"4006381333932\"}",
     TY_REJ_FORMAT,
     "line 1: field \"gtin\": expected a GTIN of 8, 12, 13 or 14 digits with a valid GS1 check "
     "digit, got \"4006381333932\""},
    {HDR "\"type\":\"product\",\"id\":\"p\",\"sku\":\"s\",\"title\":\"t\",\"brand\":\"b\","
         "\"category\":[\"a\",\"\"],\"origin_country\":\"FR\"}",
     TY_REJ_RANGE, "line 1: field \"category[1]\": must not be empty"},
    {HDR "\"type\":\"product\",\"id\":\"p\",\"sku\":\"s\",\"title\":\"t\",\"brand\":\"b\","
         "\"category\":\"a\",\"origin_country\":\"FR\"}",
     TY_REJ_TYPE, "line 1: field \"category\": expected an array, got \"a\""},
    {HDR "\"type\":\"product\",\"id\":\"p\",\"sku\":\"s\",\"title\":\"t\",\"brand\":\"b\","
         "\"category\":[\"a\"],\"origin_country\":\"FR\",\"price\":100}",
     TY_REJ_MISSING, "line 1: field \"currency\": required when price is given"},
    {HDR "\"type\":\"product\",\"id\":\"p\",\"sku\":\"s\",\"title\":\"t\",\"brand\":\"b\","
         "\"category\":[\"a\"],\"origin_country\":\"FR\",\"expiry\":\"2027-02-30\"}",
     TY_REJ_FORMAT, "line 1: field \"expiry\": day out of range for its month, got \"2027-02-30\""},
    {HDR "\"type\":\"complaint\",\"id\":\"c\",\"category\":\"quality\",\"channel\":\"app\","
         "\"text\":\"x\"}",
     TY_REJ_MISSING,
     "line 1: field \"sku\": a complaint must name at least one of sku, merchant_id, order_id"},
    {HDR "\"type\":\"adverse_event\",\"id\":\"a\",\"products\":[{\"name\":\"n\",\"role\":\"main\"}]"
         ",\"reactions\":[\"Rash\"],\"seriousness\":\"serious\"}",
     TY_REJ_ENUM,
     "line 1: field \"products[0].role\": unknown code \"main\"; expected one of: suspect, "
     "concomitant"},
    {HDR "\"type\":\"adverse_event\",\"id\":\"a\",\"products\":[{\"name\":\"n\",\"colour\":\"red\"}"
         "],\"reactions\":[\"Rash\"],\"seriousness\":\"serious\"}",
     TY_REJ_UNKNOWN_FIELD, "line 1: field \"products[0].colour\": unknown field"},
    {HDR "\"type\":\"users_online\",\"id\":\"u\",\"online\":-1}", TY_REJ_RANGE,
     "line 1: field \"online\": must be between 0 and 1000000000, got -1"},
    {HDR "\"type\":\"users_online\",\"id\":\"u\",\"online\":99999999999999999999999}", TY_REJ_RANGE,
     "line 1: field \"online\": must be between 0 and 1000000000, got \"99999999999999999999999\""},
    {HDR "\"type\":\"users_online\",\"id\":\"u\",\"online\":1,\"region\":\"CN-XX\"}", TY_REJ_FORMAT,
     "line 1: field \"region\": expected an ISO 3166-2 subdivision code"},
    {"[1,2,3]", TY_REJ_SYNTAX, "line 1: expected one JSON object per line"},
    {"{\"a\":1} {\"b\":2}", TY_REJ_SYNTAX, "line 1: text after the JSON object"},
    {"{\"type\":\"review\",", TY_REJ_SYNTAX, "line 1: field \"type\": incomplete JSON value"},
    {"{\"type\":review}", TY_REJ_SYNTAX,
     "line 1: field \"type\": invalid JSON: lexical error: invalid char in json text"},
    {"{\"spec_version\":\"1.0\",\"type\":\"review\",\"text\":\"caf\xc3\x28\"}", TY_REJ_UTF8,
     "line 1: field \"text\": invalid UTF-8 byte sequence"},
    {HDR "\"id\":\"r\",\"sku\":\"s\",\"stars\":5}", TY_REJ_MISSING,
     "line 1: field \"type\": required field is missing"},
    {HDR "\"type\":\"review\",\"id\":\"r\",\"sku\":\"s\",\"stars\":5,\"text\":\"a'); DROP TABLE "
         "events; --\"}",
     TY_REJ__COUNT, NULL}, /* SQL metacharacters are just text: accepted */
};

static void test_bad_records(void)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[4096];
        snprintf(text, sizeof text, "%s\n", bad[i].line);
        result r;
        decode(TY_FMT_JSONL, text, 0, 0, &r);
        if (!bad[i].msg) {
            CHECK_INT(r.nrec, 1);
            CHECK_INT(r.nrej, 0);
            continue;
        }
        CHECK_INT(r.nrec, 0);
        CHECK_INT(r.nrej, 1);
        if (r.nrej != 1) {
            fprintf(stderr, "  case %zu: %s\n", i, bad[i].line);
            continue;
        }
        CHECK_INT(r.cls[0], bad[i].cls);
        if (strncmp(r.rej[0], bad[i].msg, strlen(bad[i].msg)) != 0) {
            CHECK_STR(r.rej[0], bad[i].msg);
            fprintf(stderr, "  case %zu\n", i);
        }
    }
}

static void test_mixed_and_limits(void)
{
    /* good, bad, good: the bad line blocks nothing and line numbers stay exact */
    char text[8192];
    snprintf(text, sizeof text,
             "%s\"type\":\"review\",\"id\":\"r1\",\"sku\":\"s\",\"stars\":5}\r\n"
             "\n"
             "   \n"
             "not json at all\n"
             "%s\"type\":\"review\",\"id\":\"r2\",\"sku\":\"s\",\"stars\":4}",
             HDR, HDR);
    result r;
    decode(TY_FMT_JSONL, text, 5, 0, &r);
    CHECK_INT(r.nrec, 2);
    CHECK_INT(r.nrej, 1);
    CHECK_INT(r.rec_line[0], 1);
    CHECK_INT(r.rec_line[1], 5); /* no trailing newline: still decoded */
    CHECK_CONTAINS(r.rej[0], "line 4: invalid JSON");

    /* a token left open after the object must not leak into the next line */
    snprintf(text, sizeof text,
             "%s\"type\":\"review\",\"id\":\"r1\",\"sku\":\"s\",\"stars\":5} 12\n"
             "%s\"type\":\"review\",\"id\":\"r2\",\"sku\":\"s\",\"stars\":5} \"abc\n"
             "%s\"type\":\"review\",\"id\":\"r3\",\"sku\":\"s\",\"stars\":5} tru\n"
             "%s\"type\":\"review\",\"id\":\"r4\",\"sku\":\"s\",\"stars\":5}  \t\n",
             HDR, HDR, HDR, HDR);
    decode(TY_FMT_JSONL, text, 0, 0, &r);
    CHECK_INT(r.nrec, 1);
    CHECK_INT(r.nrej, 3);
    CHECK_CONTAINS(r.rec[0], "\"id\":\"r4\"");
    CHECK_STR(r.rej[1], "line 2: text after the JSON object (JSON Lines: one object per line)");

    /* a line of exactly the limit plus a CR (CRLF), and one of limit + 1, split across
     * chunks: the first is fine, the second is too long, and neither stops the input */
    {
        static char edge[4096];
        size_t eo = 0;
        const char *head =
            "{\"spec_version\":\"1.0\",\"time\":\"2026-03-01T20:15:00+08:00\","
            "\"type\":\"review\",\"id\":\"e1\",\"sku\":\"s\",\"stars\":5,\"text\":\"";
        size_t hl = strlen(head);
        memcpy(edge, head, hl);
        eo = hl;
        while (eo < 300 - 2)
            edge[eo++] = 'q';
        edge[eo++] = '"';
        edge[eo++] = '}'; /* 300 bytes */
        edge[eo++] = '\r';
        edge[eo++] = '\n';
        memcpy(edge + eo, edge, 302);
        edge[eo + 73] = '2';  /* id e2 */
        edge[eo + 300] = 'x'; /* 301 bytes, then LF */
        eo += 301;
        edge[eo++] = '\n';
        snprintf(edge + eo, sizeof edge - eo,
                 "%s\"type\":\"review\",\"id\":\"e3\",\"sku\":\"s\",\"stars\":5}\n", HDR);
        for (size_t chunk = 7; chunk <= 301; chunk += 147) {
            decode(TY_FMT_JSONL, edge, chunk, 300, &r);
            CHECK_INT(r.nrec, 2);
            CHECK_INT(r.nrej, 1);
            CHECK_STR(r.rej[0], "line 2: line is longer than 300 bytes");
        }
    }

    /* byte order mark on the first line is ignored */
    snprintf(text, sizeof text,
             "\xEF\xBB\xBF%s\"type\":\"review\",\"id\":\"r1\",\"sku\":\"s\",\"stars\":5}\n", HDR);
    decode(TY_FMT_JSONL, text, 0, 0, &r);
    CHECK_INT(r.nrec, 1);

    /* over-long line: rejected by number without being buffered, next line fine */
    static char big[300000];
    size_t o = (size_t)snprintf(
        big, sizeof big,
        "%s\"type\":\"review\",\"id\":\"r1\",\"sku\":\"s\",\"stars\":5,\"text\":\"", HDR);
    memset(big + o, 'x', 200000);
    o += 200000;
    o += (size_t)snprintf(big + o, sizeof big - o,
                          "\"}\n%s\"type\":\"review\",\"id\":\"r2\",\"sku\":\"s\",\"stars\":5}\n",
                          HDR);
    for (size_t chunk = 0; chunk <= 4096; chunk += 4096) {
        decode(TY_FMT_JSONL, big, chunk, 65536, &r);
        CHECK_INT(r.nrec, 1);
        CHECK_INT(r.nrej, 1);
        CHECK_STR(r.rej[0], "line 1: line is longer than 65536 bytes");
        CHECK_INT(r.cls[0], TY_REJ_TOO_LONG);
        CHECK_INT(r.rec_line[0], 2);
    }

    /* a field over its own limit (review text: 8000 bytes) */
    o = (size_t)snprintf(
        big, sizeof big,
        "%s\"type\":\"review\",\"id\":\"r1\",\"sku\":\"s\",\"stars\":5,\"text\":\"", HDR);
    memset(big + o, 'y', 9000);
    o += 9000;
    snprintf(big + o, sizeof big - o, "\"}\n");
    decode(TY_FMT_JSONL, big, 0, 0, &r);
    CHECK_INT(r.nrej, 1);
    CHECK_STR(r.rej[0], "line 1: field \"text\": longer than 8000 bytes (got 9000)");

    /* nesting too deep */
    decode(TY_FMT_JSONL, "{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}\n", 0, 0, &r);
    CHECK_INT(r.nrej, 1);
    CHECK_INT(r.cls[0], TY_REJ_TOO_LONG);
}

static const char *good_csv =
    "type,id,time,spec_version,merchant_id,buyer,currency,sku,quantity,unit_price,batch,stars,text,"
    "category,title,brand,origin_country,inci\n"
    "order,o1,2026-03-01T20:15:00+08:00,1.0,M1,b1,CNY,S1,2,23900,,,,,,,,\n"
    "order,o1,,,,,,S2,1,100,L9,,,,,,,\n"
    "order,o1,2026-03-01T20:15:00+08:00,,M1,,,S3,3,50,,,,,,,,\n"
    "review,r1,2026-03-01T21:00:00+08:00,1.0,,,,S1,,,,2,\"quoted, with comma and \"\"quotes\"\"\n "
    "and a line break\",,,,,\n"
    "product,p1,2026-03-01T09:00:00+08:00,1.0,M1,,CNY,S1,,,,,,美妆个护|护肤|面霜,Cream,B,FR,\"AQUA|"
    "GLYCERIN|1,2-HEXANEDIOL\"\n"
    "order,o2,2026-03-01T22:00:00+08:00,1.0,M1,,CNY,S1,1,23900,,,,,,,,\n";

static void test_csv(void)
{
    result r;
    decode(TY_FMT_CSV, good_csv, 0, 0, &r);
    for (int i = 0; i < r.nrej && i < MAXOUT; i++)
        fprintf(stderr, "  unexpected reject: %s\n", r.rej[i]);
    CHECK_INT(r.nrej, 0);
    CHECK_INT(r.nrec, 4);
    CHECK_STR(r.rec[0],
              "{\"spec_version\":\"1.0\",\"type\":\"order\",\"id\":\"o1\",\"time\":"
              "\"2026-03-01T20:15:00+08:00\",\"merchant_id\":\"M1\",\"buyer\":\"H(b1)\","
              "\"items\":[{\"sku\":\"S1\",\"quantity\":2,\"unit_price\":23900},{\"sku\":\"S2\","
              "\"quantity\":1,\"unit_price\":100,\"batch\":\"L9\"},{\"sku\":\"S3\",\"quantity\":3,"
              "\"unit_price\":50}],\"currency\":\"CNY\"}");
    CHECK_INT(r.rec_line[0], 2);
    CHECK_CONTAINS(r.rec[1],
                   "\"text\":\"quoted, with comma and \\\"quotes\\\"\\n and a line break\"");
    CHECK_INT(r.rec_line[1], 5);
    CHECK_CONTAINS(r.rec[2], "\"category\":[\"美妆个护\",\"护肤\",\"面霜\"]");
    CHECK_CONTAINS(r.rec[2], "\"inci\":[\"AQUA\",\"GLYCERIN\",\"1,2-HEXANEDIOL\"]");
    CHECK_INT(r.rec_line[3], 8);

    result r1;
    decode(TY_FMT_CSV, good_csv, 3, 0, &r1);
    CHECK_INT(r1.nrec, 4);
    CHECK_STR(r1.rec[0], r.rec[0]);
    CHECK_STR(r1.rec[2], r.rec[2]);

    /* faults: continuation conflict, field count, bad quoting, bad value, invalid UTF-8 */
    const char *bad_csv =
        "type,id,time,spec_version,merchant_id,currency,sku,quantity,unit_price,stars\n"
        "order,o1,2026-03-01T20:15:00+08:00,1.0,M1,CNY,S1,1,100,\n"
        "order,o1,,,M2,,S2,1,100,\n"
        "review,r1,2026-03-01T20:15:00+08:00,1.0,,,S1,,,5,extra\n"
        "review,r2,2026-03-01T20:15:00+08:00,1.0,,,S\"1,,,5\n"
        "review,r3,2026-03-01T20:15:00+08:00,1.0,,,S1,,,five\n"
        "review,r4,2026-03-01T20:15:00+08:00,1.0,,,S\xff,,,5\n"
        "review,r5,2026-03-01T20:15:00+08:00,1.0,,,S1,,,5\n";
    decode(TY_FMT_CSV, bad_csv, 0, 0, &r);
    CHECK_INT(r.nrec, 1);
    CHECK_INT(r.nrej, 5);
    CHECK_STR(r.rej[0], "line 3: field \"merchant_id\": differs from line 2 of the same order; "
                        "record-level cells of continuation rows must be empty or equal");
    CHECK_STR(r.rej[1], "line 4: expected 10 fields as in the header, got 11");
    CHECK_CONTAINS(r.rej[2], "line 5: malformed CSV");
    CHECK_STR(r.rej[3], "line 6: field \"stars\": expected an integer, got \"five\"");
    CHECK_STR(r.rej[4], "line 7: field \"sku\": invalid UTF-8 byte sequence (text must be UTF-8)");
    CHECK_CONTAINS(r.rec[0], "\"id\":\"r5\"");

    /* rows of one order that are not consecutive would make a second order with the
     * same id (stored as a duplicate, its lines lost): refused instead */
    const char *split = "type,id,time,spec_version,merchant_id,currency,sku,quantity,unit_price\n"
                        "order,o1,2026-03-01T20:15:00+08:00,1.0,M1,CNY,S1,1,100\n"
                        "order,o2,2026-03-01T20:16:00+08:00,1.0,M1,CNY,S1,1,100\n"
                        "order,o1,2026-03-01T20:15:00+08:00,1.0,M1,CNY,S2,1,200\n";
    decode(TY_FMT_CSV, split, 0, 0, &r);
    CHECK_INT(r.nrec, 2);
    CHECK_INT(r.nrej, 1);
    CHECK_STR(r.rej[0], "line 4: field \"id\": this order already ended (its rows start at line "
                        "2); the rows of one order must be consecutive");

    /* a row that cannot be read inside an order drops the whole order (stored
     * without that line, the corrected re-send would be a duplicate) */
    const char *broken = "type,id,time,spec_version,merchant_id,currency,sku,quantity,unit_price\n"
                         "order,o1,2026-03-01T20:15:00+08:00,1.0,M1,CNY,S1,1,100\n"
                         "order,o1,,,,,S2,2,50,EXTRA\n"
                         "order,o1,,,,,S3,3,70\n"
                         "order,o2,2026-03-01T20:15:00+08:00,1.0,M1,CNY,S1,1,100\n"
                         "order,o2,,,,,S\"2,2,50\n"
                         "order,o3,2026-03-01T20:15:00+08:00,1.0,M1,CNY,S1,1,100\n";
    decode(TY_FMT_CSV, broken, 0, 0, &r);
    CHECK_INT(r.nrec, 1);
    CHECK_INT(r.nrej, 2);
    CHECK_STR(r.rej[0], "line 3: expected 9 fields as in the header, got 10; the order that "
                        "starts at line 2 is dropped with it (send it again whole)");
    CHECK_CONTAINS(r.rej[1], "line 6: malformed CSV");
    CHECK_CONTAINS(r.rej[1], "the order that starts at line 5 is dropped with it");
    CHECK_CONTAINS(r.rec[0], "\"id\":\"o3\"");

    decode(TY_FMT_CSV, "id,time\nx,y\n", 0, 0, &r);
    CHECK_INT(r.nrej, 2);
    CHECK_STR(r.rej[0], "line 1: field \"type\": the header must name a \"type\" column");
    CHECK_CONTAINS(r.rej[1], "line 2: no usable header");

    decode(TY_FMT_CSV, "type,id,stars,stars\n", 0, 0, &r);
    CHECK_INT(r.nrej, 1);
    CHECK_STR(r.rej[0], "line 1: field \"stars\": column named twice in the header");

    /* an over-long line inside a quoted multi-line cell: the row is dropped and the
     * parser starts clean on the next line */
    static char longcsv[8192];
    size_t lo = (size_t)snprintf(longcsv, sizeof longcsv,
                                 "type,id,time,spec_version,sku,stars,text\n"
                                 "review,r1,2026-03-01T20:15:00+08:00,1.0,S1,5,\"starts here\n");
    memset(longcsv + lo, 'z', 3000);
    lo += 3000;
    snprintf(longcsv + lo, sizeof longcsv - lo,
             "\"\nreview,r2,2026-03-01T20:15:00+08:00,1.0,S1,4,fine\n");
    decode(TY_FMT_CSV, longcsv, 0, 1024, &r);
    CHECK_INT(r.nrec, 1);
    CHECK_INT(r.nrej, 2);
    CHECK_STR(r.rej[0], "line 2: row dropped: it continues on a line that is too long");
    CHECK_STR(r.rej[1], "line 3: line is longer than 1024 bytes");
    CHECK_CONTAINS(r.rec[0], "\"id\":\"r2\"");

    decode(TY_FMT_CSV, "type,id\nreview,\"never closed\n", 0, 0, &r);
    CHECK_INT(r.nrej, 1);
    CHECK_CONTAINS(r.rej[0], "line 2: malformed CSV: a quoted field is never closed");
}

static void test_caers(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/caers/caers_cosmetics_2004_2012.csv", check_data_dir());
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    result *r = calloc(1, sizeof *r);
    ty_sink sink = {on_rec, on_rej, r};
    ty_decoder *d;
    CHECK_INT(ty_decoder_new(&d, TY_FMT_CAERS, NULL, &sink), TY_OK);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        CHECK_INT(ty_decoder_feed(d, buf, n), TY_OK);
    CHECK_INT(ty_decoder_finish(d), TY_OK);
    fclose(f);
    /* 2,357 rows in the export are 2,013 distinct reports (209 span several rows);
     * report 78616 (line 622) codes no symptom at all, which is not a valid report */
    CHECK_INT(r->nrec, 2012);
    CHECK_INT(r->nrej, 1);
    CHECK_STR(r->rej[0], "line 622: field \"reactions\": must have 1 to 100 items, got 0");
    CHECK_INT(ty_decoder_lines(d), 2358);
    ty_decoder_free(&d);
    /* first report: 65379, created 1/3/2004, onset 11/5/2003 */
    CHECK_STR(r->rec[0],
              "{\"spec_version\":\"1.0\",\"type\":\"adverse_event\",\"id\":\"65379\",\"time\":"
              "\"2004-01-03T00:00:00Z\",\"products\":[{\"name\":\"I CONTACT LIP-INK "
              "(SEMI-PERMANENT)\",\"role\":\"suspect\"}],\"reactions\":[\"SWELLING FACE\","
              "\"PARAESTHESIA ORAL\"],\"seriousness\":\"non_serious\",\"sex\":\"female\",\"onset\":"
              "\"2003-11-05\"}");
    /* 65420: LIFE THREATENING, DISABILITY -> serious; age 33 years */
    CHECK_CONTAINS(r->rec[1], "\"seriousness\":\"serious\",\"outcomes\":[\"life_threatening\","
                              "\"disability\"],\"age_band\":\"30-44\",\"sex\":\"male\"");
    free(r);

    /* a bad row inside a report drops the report; a report number seen again later
     * (rows not consecutive) is refused instead of becoming a duplicate */
    static const char *hdr = "RA_Report #,RA_CAERS Created Date,AEC_Event Start Date,PRI_Product "
                             "Role,PRI_Reported Brand/Product Name,PRI_FDA Industry Code,PRI_FDA "
                             "Industry Name,CI_Age at Adverse Event,CI_Age Unit,CI_Gender,AEC_One "
                             "Row Outcomes,SYM_One Row Coded Symptoms\n";
    char text[4096];
    snprintf(text, sizeof text,
             "%s"
             "1,1/3/2010,,Suspect,CREAM A,53,Cosmetics,nan,Year(s),Female,NONE,RASH\n"
             "1,1/3/2010,,Concomitant,LOTION \xff,53,Cosmetics,,,Female,NONE,BURN\n"
             "2,1/4/2010,,Suspect,CREAM B,53,Cosmetics,40,Year(s),Male,NONE,RASH\n"
             "1,1/3/2010,,Suspect,CREAM A,53,Cosmetics,,,Female,NONE,RASH\n"
             "3,1/5/2010,,Suspect,CREAM C,53,Cosmetics,nan,Year(s),Female,NONE,RASH\n",
             hdr);
    result rr;
    decode(TY_FMT_CAERS, text, 0, 0, &rr);
    CHECK_INT(rr.nrec, 2);
    CHECK_INT(rr.nrej, 2);
    CHECK(strstr(rr.rec[1], "age_band") == NULL); /* "nan" is not an age */
    CHECK_STR(rr.rej[0], "line 3: invalid UTF-8 byte sequence (text must be UTF-8); the report "
                         "that starts at line 2 is dropped with it (send it again whole)");
    CHECK_STR(rr.rej[1], "line 5: field \"RA_Report #\": report 1 already ended (its rows start "
                         "at line 2); the rows of one report must be consecutive");
    CHECK_CONTAINS(rr.rec[0], "\"age_band\":\"30-44\"");
}

int main(void)
{
    test_good_records();
    test_bad_records();
    test_mixed_and_limits();
    test_csv();
    test_caers();
    return check_done("test_codec");
}
