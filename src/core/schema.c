/*
 * schema.c - exchange spec v1 as data: every record type, its fields, and the
 * enumerations with their Chinese and English labels.
 *
 * This table is the contract with platforms. Adding an optional field or an
 * enumeration code is a minor spec change; renaming, removing or tightening is
 * a major one. docs/exchange-spec.md embeds the tables `tianyan spec` prints
 * from here, and tests/cli/t0120-spec-doc.sh fails when the two disagree.
 */
#include <string.h>

#include "tianyan/record.h"

#define N_(a)               (sizeof(a) / sizeof((a)[0]))
#define ENUM_(var, nm, doc) static const ty_enum var = {nm, var##_v, N_(var##_v), doc}

/* ---------------------------------------------------------------- enumerations */

/*
 * China customs supervision modes for cross-border e-commerce (海关监管方式):
 * 9610 added by GACC Announcement 2014 No. 12, 1210 by 2014 No. 57, 1239 by
 * 2016 No. 75, 9710 and 9810 by 2020 No. 75; 0110 is ordinary general trade.
 */
static const ty_enum_value trade_mode_v[] = {
    {"9610", "跨境贸易电子商务（直购进口/直邮）", "cross-border e-commerce, direct mail (9610)"},
    {"1210", "保税跨境贸易电子商务（保税进口）", "bonded cross-border e-commerce (1210)"},
    {"1239", "保税跨境贸易电子商务A", "bonded cross-border e-commerce A (1239)"},
    {"9710", "跨境电子商务企业对企业直接出口", "cross-border B2B direct export (9710)"},
    {"9810", "跨境电子商务出口海外仓", "cross-border export to overseas warehouse (9810)"},
    {"0110", "一般贸易", "general trade (0110)"},
};
ENUM_(trade_mode, "trade_mode",
      "China customs supervision mode of the goods (GACC announcements 2014 No. 12 and 57, 2016 "
      "No. 75, 2020 No. 75).");

static const ty_enum_value return_reason_v[] = {
    {"quality_problem", "质量问题", "quality problem"},
    {"not_as_described", "与描述不符", "not as described"},
    {"suspected_counterfeit", "疑似假货", "suspected counterfeit"},
    {"expired", "过期或临期", "expired or near expiry"},
    {"spoiled", "变质（异味、变色、分层）", "spoiled (odour, discolouration, separation)"},
    {"damaged", "包装破损或渗漏", "damaged or leaking packaging"},
    {"adverse_reaction", "使用后不良反应", "adverse reaction after use"},
    {"label_problem", "标签或成分标识问题", "label or ingredient-list problem"},
    {"wrong_item", "发错货", "wrong item"},
    {"missing_parts", "少件或漏发", "missing items"},
    {"late_delivery", "物流太慢", "late delivery"},
    {"no_reason", "七天无理由退货", "no-reason return (7 days)"},
    {"other", "其他", "other"},
};
ENUM_(return_reason, "return_reason",
      "Why goods were returned. no_reason is the statutory seven-day no-reason return (Consumer "
      "Rights Protection Law of the PRC, art. 25).");

static const ty_enum_value complaint_category_v[] = {
    {"quality", "商品质量", "product quality"},
    {"counterfeit", "假冒伪劣", "counterfeit"},
    {"adverse_reaction", "不良反应", "adverse reaction"},
    {"expired", "过期变质", "expired or spoiled"},
    {"label", "标签标识", "labelling"},
    {"ingredient", "成分或违禁物质", "ingredients or banned substance"},
    {"packaging", "包装破损", "damaged packaging"},
    {"false_advertising", "虚假宣传", "false advertising"},
    {"price", "价格", "price"},
    {"delivery", "物流配送", "delivery"},
    {"after_sales", "售后服务", "after-sales service"},
    {"customs_tax", "跨境税费与清关", "cross-border tax and customs clearance"},
    {"privacy", "个人信息", "personal information"},
    {"other", "其他", "other"},
};
ENUM_(complaint_category, "complaint_category", "What a complaint is about.");

static const ty_enum_value complaint_channel_v[] = {
    {"app", "应用内", "in-app"},
    {"web", "网站", "website"},
    {"hotline", "客服电话", "customer-service hotline"},
    {"12315", "12315平台", "12315 platform"},
    {"email", "电子邮件", "e-mail"},
    {"social_media", "社交媒体", "social media"},
    {"green_channel", "绿色通道", "green channel"},
    {"other", "其他", "other"},
};
ENUM_(complaint_channel, "complaint_channel", "Where a complaint was received.");

static const ty_enum_value online_channel_v[] = {
    {"all", "全部", "all channels"},
    {"app", "应用", "app"},
    {"web", "网站", "website"},
    {"mini_program", "小程序", "mini program"},
};
ENUM_(online_channel, "online_channel", "Which front end a users-online sample counts.");

static const ty_enum_value product_status_v[] = {
    {"on_sale", "在售", "on sale"},
    {"delisted", "已下架", "delisted"},
    {"suspended", "暂停销售", "sales suspended"},
};
ENUM_(product_status, "product_status", "Sales status of a product listing.");

static const ty_enum_value merchant_kind_v[] = {
    {"self_operated", "平台自营", "platform self-operated"},
    {"third_party", "第三方商家", "third-party merchant"},
    {"overseas_direct", "海外直营", "overseas direct merchant"},
};
ENUM_(merchant_kind, "merchant_kind", "How a merchant sells on the platform.");

static const ty_enum_value merchant_status_v[] = {
    {"active", "正常经营", "active"},
    {"suspended", "暂停经营", "suspended"},
    {"closed", "已关店", "closed"},
};
ENUM_(merchant_status, "merchant_status", "Standing of a merchant on the platform.");

static const ty_enum_value text_lang_v[] = {
    {"zh-Hans", "简体中文", "simplified Chinese"},
    {"zh-Hant", "繁体中文", "traditional Chinese"},
    {"en", "英文", "English"},
    {"other", "其他", "other"},
};
ENUM_(text_lang, "text_lang", "Language and script of a text (BCP 47 tags).");

/*
 * Seriousness follows the EU cosmetovigilance definition of a serious
 * undesirable effect (Regulation (EC) No 1223/2009, art. 2(1)(p)): temporary or
 * permanent functional incapacity, disability, hospitalisation, congenital
 * anomalies, an immediate vital risk or death.
 */
static const ty_enum_value seriousness_v[] = {
    {"non_serious", "非严重", "non-serious"},
    {"serious", "严重", "serious"},
};
ENUM_(seriousness, "seriousness",
      "Serious means a serious undesirable effect as Regulation (EC) No 1223/2009 art. 2(1)(p) "
      "defines it: functional incapacity, disability, hospitalisation, congenital anomaly, "
      "immediate vital risk or death.");

static const ty_enum_value outcome_v[] = {
    {"recovered", "已痊愈", "recovered"},
    {"recovering", "好转中", "recovering"},
    {"not_recovered", "未好转", "not recovered"},
    {"sequelae", "痊愈但有后遗症", "recovered with sequelae"},
    {"medical_visit", "就医", "visited a health-care provider"},
    {"emergency_visit", "急诊", "visited an emergency room"},
    {"hospitalisation", "住院", "hospitalisation"},
    {"intervention_required", "需干预以防永久损伤",
     "intervention required to prevent permanent impairment"},
    {"disability", "残疾或功能丧失", "disability or incapacity"},
    {"life_threatening", "危及生命", "life-threatening"},
    {"congenital_anomaly", "先天异常", "congenital anomaly"},
    {"death", "死亡", "death"},
    {"other_serious", "其他严重情况", "other serious (important medical event)"},
    {"none", "无", "none"},
    {"unknown", "不详", "unknown"},
};
ENUM_(outcome, "outcome",
      "Outcome of an adverse event; the serious ones mirror the outcome terms of FDA CAERS.");

static const ty_enum_value age_band_v[] = {
    {"0-2", "0-2岁", "0-2 years"},
    {"3-11", "3-11岁", "3-11 years"},
    {"12-17", "12-17岁", "12-17 years"},
    {"18-29", "18-29岁", "18-29 years"},
    {"30-44", "30-44岁", "30-44 years"},
    {"45-64", "45-64岁", "45-64 years"},
    {"65+", "65岁及以上", "65 years and over"},
    {"unknown", "不详", "unknown"},
};
ENUM_(age_band, "age_band", "Age of the person affected, in bands (never an exact birth date).");

static const ty_enum_value sex_v[] = {
    {"female", "女", "female"},
    {"male", "男", "male"},
    {"other", "其他", "other"},
    {"unknown", "不详", "unknown"},
};
ENUM_(sex, "sex", "Sex of the person affected.");

static const ty_enum_value reporter_v[] = {
    {"consumer", "消费者", "consumer"},
    {"health_professional", "医疗专业人员", "health professional"},
    {"platform", "电商平台", "e-commerce platform"},
    {"merchant", "商家或生产企业", "merchant or manufacturer"},
    {"authority", "监管部门", "authority"},
    {"other", "其他", "other"},
};
ENUM_(reporter, "reporter", "Who reported an adverse event.");

static const ty_enum_value product_role_v[] = {
    {"suspect", "怀疑产品", "suspect"},
    {"concomitant", "合并使用产品", "concomitant"},
};
ENUM_(product_role, "product_role",
      "Role of a product in an adverse-event report (as in FDA CAERS: suspect or concomitant).");

static const ty_enum *const all_enums[] = {
    &trade_mode,
    &return_reason,
    &complaint_category,
    &complaint_channel,
    &online_channel,
    &product_status,
    &merchant_kind,
    &merchant_status,
    &text_lang,
    &seriousness,
    &outcome,
    &age_band,
    &sex,
    &reporter,
    &product_role,
};

/* ---------------------------------------------------------------- field tables */

#define REQ    TY_FF_REQUIRED
#define ID_MAX 128
#define F_ID(nm, fl, doc)                               \
    {                                                   \
        nm, TY_FK_ID, fl, 1, ID_MAX, 0, NULL, NULL, doc \
    }
#define F_STR(nm, fl, mx, doc)                       \
    {                                                \
        nm, TY_FK_STR, fl, 1, mx, 0, NULL, NULL, doc \
    }
#define F_TEXT(nm, fl, mx, doc)                       \
    {                                                 \
        nm, TY_FK_TEXT, fl, 1, mx, 0, NULL, NULL, doc \
    }
#define F_INT(nm, fl, lo, hi, doc)                    \
    {                                                 \
        nm, TY_FK_INT, fl, lo, hi, 0, NULL, NULL, doc \
    }
#define F_ENUM(nm, fl, e, doc)                     \
    {                                              \
        nm, TY_FK_ENUM, fl, 0, 0, 0, &e, NULL, doc \
    }
#define F_KIND(nm, k, fl, doc)              \
    {                                       \
        nm, k, fl, 0, 0, 0, NULL, NULL, doc \
    }
#define F_LIST(nm, fl, lo, hi, im, doc)                     \
    {                                                       \
        nm, TY_FK_STR_LIST, fl, lo, hi, im, NULL, NULL, doc \
    }
#define F_ELIST(nm, fl, lo, hi, e, doc)                    \
    {                                                      \
        nm, TY_FK_ENUM_LIST, fl, lo, hi, 32, &e, NULL, doc \
    }
#define F_OBJS(nm, fl, lo, hi, s, doc)                  \
    {                                                   \
        nm, TY_FK_OBJECTS, fl, lo, hi, 0, NULL, &s, doc \
    }

/* The four fields every record starts with (indices TY_F_SPEC_VERSION .. TY_F_TIME). */
#define COMMON_FIELDS                                                                      \
    F_KIND("spec_version", TY_FK_VERSION, REQ, "Exchange spec version, \"1.0\"."),         \
        F_KIND("type", TY_FK_TYPE, REQ, "Record type."),                                   \
        F_ID("id", REQ,                                                                    \
             "Platform-chosen id, unique per platform and record type; a re-sent id is a " \
             "duplicate."),                                                                \
        F_KIND("time", TY_FK_TIME, REQ, "When it happened (event time), RFC 3339 with offset.")

/* Money: integer minor units (fen, cents); 10^12 minor units is far above any retail price. */
#define MONEY_MAX 1000000000000LL
#define QTY_MAX   100000

static const ty_field users_online_f[] = {
    COMMON_FIELDS,
    F_INT("online", REQ, 0, 1000000000, "Users online at that moment."),
    F_KIND("region", TY_FK_REGION, 0, "Where the users are: ISO 3166-2 or ISO 3166-1 code."),
    F_ENUM("channel", 0, online_channel, "Which front end is counted; default all."),
};

static const ty_field product_f[] = {
    COMMON_FIELDS,
    F_ID("sku", REQ, "Platform's product (SKU) id; records with the same sku are versions."),
    F_STR("title", REQ, 512, "Listing title as shown to buyers."),
    F_STR("brand", REQ, 128, "Brand as labelled."),
    F_LIST("category", REQ, 1, 6, 64, "Category path, broadest first."),
    F_KIND("origin_country", TY_FK_COUNTRY, REQ, "Country of origin, ISO 3166-1 alpha-2."),
    F_STR("filing_no", 0, 64, "NMPA cosmetics filing or registration number."),
    F_KIND("gtin", TY_FK_GTIN, 0, "GS1 GTIN (barcode), 8, 12, 13 or 14 digits."),
    F_ID("batch", 0, "Batch/lot currently sold."),
    F_KIND("expiry", TY_FK_DATE, 0, "Expiry (use-by) date of the batch currently sold."),
    F_LIST("inci", 0, 0, 300, 200, "Ingredient list (INCI names), in label order."),
    F_INT("price", 0, 0, MONEY_MAX, "List price in minor units of currency."),
    F_KIND("currency", TY_FK_CURRENCY, 0, "ISO 4217 code of price; required with price."),
    F_ID("merchant_id", 0, "Merchant selling the listing."),
    F_ENUM("trade_mode", 0, trade_mode, "Customs supervision mode."),
    F_ENUM("status", 0, product_status, "Listing status; default on_sale."),
};

static const ty_field merchant_f[] = {
    COMMON_FIELDS,
    F_ID("merchant_id", REQ, "Platform's merchant id; records with the same id are versions."),
    F_STR("name", REQ, 256, "Shop or company name."),
    F_KIND("country", TY_FK_COUNTRY, REQ, "Country of registration, ISO 3166-1 alpha-2."),
    F_STR("license_no", 0, 64, "Business licence or unified social credit code."),
    F_ENUM("kind", 0, merchant_kind, "How the merchant sells."),
    F_ENUM("status", 0, merchant_status, "Standing; default active."),
    F_KIND("opened", TY_FK_DATE, 0, "Date the shop opened on the platform."),
};

static const ty_field order_item_f[] = {
    F_ID("sku", REQ, "Product ordered."),
    F_INT("quantity", REQ, 1, QTY_MAX, "Units."),
    F_INT("unit_price", REQ, 0, MONEY_MAX, "Price paid per unit, minor units of currency."),
    F_ID("batch", 0, "Batch/lot shipped, when known."),
};
static const ty_schema order_item_s = {"order item",
                                       0,
                                       "订单行",
                                       "order line item",
                                       order_item_f,
                                       N_(order_item_f),
                                       "One line of an order.",
                                       NULL};

static const ty_field order_f[] = {
    COMMON_FIELDS,
    F_ID("merchant_id", REQ, "Merchant the order was placed with."),
    F_KIND("buyer", TY_FK_BUYER, 0, "Pseudonymous buyer id (never a name, phone or account)."),
    F_OBJS("items", REQ, 1, 200, order_item_s, "Line items."),
    F_KIND("currency", TY_FK_CURRENCY, REQ, "ISO 4217 code of all prices in the order."),
    F_KIND("destination", TY_FK_REGION, 0, "Delivery region, ISO 3166-2 (CN-ZJ) or ISO 3166-1."),
    F_ENUM("trade_mode", 0, trade_mode, "Customs supervision mode."),
    F_STR("declaration_no", 0, 32, "Import declaration (or cross-border inventory list) number."),
    F_STR("port", 0, 64, "Port of entry (customs code or name)."),
    F_STR("warehouse", 0, 64, "Bonded warehouse id."),
};

static const ty_field review_f[] = {
    COMMON_FIELDS,
    F_ID("sku", REQ, "Product reviewed."),
    F_ID("merchant_id", 0, "Merchant that sold it."),
    F_ID("order_id", 0, "Order the review belongs to."),
    F_KIND("buyer", TY_FK_BUYER, 0, "Pseudonymous buyer id."),
    F_INT("stars", REQ, 1, 5, "Rating, 1 (worst) to 5."),
    F_TEXT("text", 0, 8000, "Review text as written."),
    F_ENUM("lang", 0, text_lang, "Language of text, when the platform knows it."),
};

static const ty_field return_f[] = {
    COMMON_FIELDS,
    F_ID("order_id", REQ, "Order the goods came from."),
    F_ID("sku", REQ, "Product returned."),
    F_ID("merchant_id", 0, "Merchant that sold it."),
    F_KIND("buyer", TY_FK_BUYER, 0, "Pseudonymous buyer id."),
    F_INT("quantity", 0, 1, QTY_MAX, "Units returned; default 1."),
    F_ID("batch", 0, "Batch/lot of the returned goods."),
    F_ENUM("reason", REQ, return_reason, "Reason code."),
    F_TEXT("text", 0, 4000, "Buyer's own words."),
};

static const ty_field complaint_f[] = {
    COMMON_FIELDS,
    F_ID("sku", 0, "Product complained about."),
    F_ID("merchant_id", 0, "Merchant complained about."),
    F_ID("order_id", 0, "Order concerned."),
    F_ID("batch", 0, "Batch/lot concerned."),
    F_KIND("buyer", TY_FK_BUYER, 0, "Pseudonymous buyer id."),
    F_ENUM("category", REQ, complaint_category, "What the complaint is about."),
    F_ENUM("channel", REQ, complaint_channel, "Where it was received."),
    F_TEXT("text", REQ, 8000, "The complaint as written."),
};

static const ty_field ae_product_f[] = {
    F_ID("sku", 0, "Platform's product id, when the product was bought there."),
    F_STR("name", REQ, 512, "Brand/product name as reported."),
    F_STR("brand", 0, 128, "Brand, when known separately."),
    F_ID("batch", 0, "Batch/lot."),
    F_ENUM("role", 0, product_role, "suspect (default) or concomitant."),
};
static const ty_schema ae_product_s = {"adverse-event product",
                                       0,
                                       "涉及产品",
                                       "product involved",
                                       ae_product_f,
                                       N_(ae_product_f),
                                       "A product named in an adverse-event report.",
                                       NULL};

static const ty_field adverse_event_f[] = {
    COMMON_FIELDS,
    F_OBJS("products", REQ, 1, 20, ae_product_s, "Products involved."),
    F_LIST("reactions", REQ, 1, 100, 200,
           "Reactions, as MedDRA preferred terms where possible; at least one (ICH E2D: a valid "
           "report needs an adverse event)."),
    F_ENUM("seriousness", REQ, seriousness, "serious or non_serious."),
    F_ELIST("outcomes", 0, 0, 15, outcome, "Outcomes."),
    F_ENUM("age_band", 0, age_band, "Age band of the person affected."),
    F_ENUM("sex", 0, sex, "Sex of the person affected."),
    F_KIND("onset", TY_FK_DATE, 0, "Date the reaction began."),
    F_ENUM("reporter", 0, reporter, "Who reported it."),
    F_ID("order_id", 0, "Order concerned, when known."),
    F_KIND("buyer", TY_FK_BUYER, 0, "Pseudonymous buyer id."),
    F_TEXT("text", 0, 8000, "Narrative."),
};

/* ---------------------------------------------------------------- cross-field rules */

static ty_err product_check(const ty_record *r, ty_reject *rej)
{
    int price = ty_schema_field(r->schema, "price", 5);
    int cur = ty_schema_field(r->schema, "currency", 8);
    if (r->top[price].present && !r->top[cur].present)
        return ty_reject_set(rej, r->line, TY_REJ_MISSING, "currency",
                             "required when price is given");
    return TY_OK;
}

static ty_err complaint_check(const ty_record *r, ty_reject *rej)
{
    static const char *const any[] = {"sku", "merchant_id", "order_id"};
    for (size_t k = 0; k < N_(any); k++)
        if (r->top[ty_schema_field(r->schema, any[k], strlen(any[k]))].present)
            return TY_OK;
    return ty_reject_set(rej, r->line, TY_REJ_MISSING, "sku",
                         "a complaint must name at least one of sku, merchant_id, order_id");
}

/*
 * An adverse-event report must agree with itself: an outcome that is serious by
 * definition (Regulation (EC) No 1223/2009 art. 2(1)(p); the serious outcomes of
 * FDA CAERS) makes the report serious. (A suspect product is not required: an
 * extract such as the CAERS cosmetics file may list only the cosmetic products of a
 * report whose suspect product is of another kind.)
 */
static ty_err adverse_event_check(const ty_record *r, ty_reject *rej)
{
    static const char *const serious_outcomes[] = {
        "hospitalisation",  "intervention_required", "disability",
        "life_threatening", "congenital_anomaly",    "death",
        "other_serious",
    };
    int fs = ty_schema_field(r->schema, "seriousness", 11);
    int fo = ty_schema_field(r->schema, "outcomes", 8);
    size_t n;
    const char *sev = ty_value_str(r, &r->top[fs], &n);
    if (n == 7 && memcmp(sev, "serious", 7) == 0)
        return TY_OK;
    const ty_value *ov = &r->top[fo];
    for (uint32_t k = 0; ov->present && k < ov->count; k++) {
        const char *o = ty_value_str(r, &r->pool[ov->first + k], &n);
        for (size_t j = 0; j < N_(serious_outcomes); j++)
            if (strlen(serious_outcomes[j]) == n && memcmp(serious_outcomes[j], o, n) == 0)
                return ty_reject_set(rej, r->line, TY_REJ_RULE, "seriousness",
                                     "must be serious when the outcomes include %s",
                                     serious_outcomes[j]);
    }
    return TY_OK;
}

static const ty_schema schemas[TY_REC_TYPE_MAX] = {
    {"users_online", TY_REC_USERS_ONLINE, "在线用户数", "users online", users_online_f,
     N_(users_online_f), "A sample of how many users are online.", NULL},
    {"product", TY_REC_PRODUCT, "商品", "product", product_f, N_(product_f),
     "A product listing (SKU) and its current state; every record is kept as a version.",
     product_check},
    {"merchant", TY_REC_MERCHANT, "商家", "merchant", merchant_f, N_(merchant_f),
     "A merchant (shop); every record is kept as a version.", NULL},
    {"order", TY_REC_ORDER, "订单", "order", order_f, N_(order_f), "An order as placed.", NULL},
    {"review", TY_REC_REVIEW, "评价", "review", review_f, N_(review_f), "A buyer's review.", NULL},
    {"return", TY_REC_RETURN, "退货", "return", return_f, N_(return_f),
     "A return (refund with goods sent back).", NULL},
    {"complaint", TY_REC_COMPLAINT, "投诉", "complaint", complaint_f, N_(complaint_f),
     "A consumer complaint received by the platform.", complaint_check},
    {"adverse_event", TY_REC_ADVERSE_EVENT, "不良反应报告", "adverse-event report", adverse_event_f,
     N_(adverse_event_f), "A report of a harmful reaction to a product.", adverse_event_check},
};

/* ---------------------------------------------------------------- look-ups */

const ty_schema *ty_schema_of(int type)
{
    if (type < 1 || type > TY_REC_TYPE_MAX)
        return NULL;
    return &schemas[type - 1];
}

const ty_schema *ty_schema_by_name(const char *name, size_t n)
{
    for (size_t i = 0; i < N_(schemas); i++)
        if (strlen(schemas[i].name) == n && memcmp(schemas[i].name, name, n) == 0)
            return &schemas[i];
    return NULL;
}

int ty_schema_field(const ty_schema *s, const char *name, size_t n)
{
    if (n == 0)
        return -1;
    for (size_t i = 0; i < s->nfields; i++) {
        const char *f = s->fields[i].name;
        /* first-byte filter: this runs for every field of every event */
        if (f[0] == name[0] && strncmp(f, name, n) == 0 && f[n] == '\0')
            return (int)i;
    }
    return -1;
}

const ty_enum *const *ty_enums(size_t *count)
{
    *count = N_(all_enums);
    return all_enums;
}

int ty_enum_find(const ty_enum *e, const char *code, size_t n)
{
    if (n == 0)
        return -1;
    for (size_t i = 0; i < e->count; i++)
        if (e->values[i].code[0] == code[0] && strncmp(e->values[i].code, code, n) == 0 &&
            e->values[i].code[n] == '\0')
            return (int)i;
    return -1;
}

const char *ty_field_kind_name(ty_field_kind k)
{
    switch (k) {
    case TY_FK_ID:
        return "id string";
    case TY_FK_STR:
        return "string";
    case TY_FK_TEXT:
        return "text";
    case TY_FK_INT:
        return "integer";
    case TY_FK_TIME:
        return "RFC 3339 date-time";
    case TY_FK_DATE:
        return "date YYYY-MM-DD";
    case TY_FK_ENUM:
        return "code";
    case TY_FK_COUNTRY:
        return "ISO 3166-1 alpha-2";
    case TY_FK_REGION:
        return "ISO 3166-2 or 3166-1 code";
    case TY_FK_CURRENCY:
        return "ISO 4217 code";
    case TY_FK_GTIN:
        return "GTIN digits";
    case TY_FK_BUYER:
        return "pseudonymous id";
    case TY_FK_VERSION:
        return "version string";
    case TY_FK_TYPE:
        return "record type";
    case TY_FK_STR_LIST:
        return "array of strings";
    case TY_FK_ENUM_LIST:
        return "array of codes";
    case TY_FK_OBJECTS:
        return "array of objects";
    }
    return "?";
}
