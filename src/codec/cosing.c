/*
 * cosing.c - reader for the EU CosIng export of Annex II (prohibited) and Annex
 * III (restricted) substances of Regulation (EC) No 1223/2009, and the CAS / EC
 * number checks (see refcodec.h).
 *
 * The export is tab-separated with quoted cells. Its first line names the annex
 * ("Cosmetic Products Regulation, Annex II - Prohibited Substances"); a preamble
 * (export date, a super-header) follows, then the header row, found as the row
 * with a "Ref No." cell. Columns are found by their header names: the two annexes
 * have different columns, and order CAS / EC differently. Each row names one
 * substance ("Nom", with its "CAS No." / "EC No.") and the annex entry it falls
 * under ("Ref No.", "Name", with the entry's own "CAS" / "EC Number"): a group
 * entry such as "Lead and its compounds" spans one row per listed compound.
 *
 * Required cells: "Name". "Ref No." must be an entry number ("289", "15b") when
 * present, but may be empty: the May 2024 Annex III export has five real entries
 * without one (lithium hydroxide among them), and dropping them would lose
 * restrictions that apply.
 *
 * Normalisation, so that equal content hashes equal and text reads as the
 * Regulation does: the export writes some characters as HTML references ("pH
 * &lt; 12.7", "&#39;&#39;For professional use only&#39;&#39;"); they are
 * decoded. Surrounding white space is trimmed.
 */
#include <stdio.h>
#include <string.h>
#include <unistr.h>

#include "refread_impl.h"

/* Column names of the export, by field. */
static const char *const cosing_cols[TY_CS__COUNT] = {
    [TY_CS_NAME] = "Name",
    [TY_CS_REF_NO] = "Ref No.",
    [TY_CS_GROUP_NAME] = "Nom",
    [TY_CS_CAS] = "CAS",
    [TY_CS_EC] = "EC Number",
    [TY_CS_GROUP_CAS] = "CAS No.",
    [TY_CS_GROUP_EC] = "EC No.",
    [TY_CS_FORMULA] = "Molecular formula",
    [TY_CS_PRODUCT_TYPES] = "Product type, body parts",
    [TY_CS_MAX_CONC] = "Maximum Threshold",
    [TY_CS_MIN_CONC] = "Minimum Threshold",
    [TY_CS_RESTRICTIONS] = "Restriction(s)",
    [TY_CS_QUALIFIERS] = "Qualifier(s)",
    [TY_CS_EXPRESSED_AS] = "Expressed As",
    [TY_CS_WARNINGS] = "Warning Label",
    [TY_CS_FUNCTIONS] = "Function(s)",
    [TY_CS_NOTES] = "Notes",
};

/* What the first line must contain, per annex this reader supports. */
static const struct {
    const char *title;
    const char *annex;
    const char *source;
} annexes[] = {
    {"Annex II - Prohibited Substances", "II", "CosIng Annex II"},
    {"Annex III - Restricted Substances", "III", "CosIng Annex III"},
};

const char *ty_cosing_column(ty_cosing_field f)
{
    return (unsigned)f < TY_CS__COUNT ? cosing_cols[f] : "";
}

/* ------------------------------------------------------------ identifiers */

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

/*
 * CAS Registry Number: up to 10 digits in three parts, N...N-NN-R. The check
 * digit R is the sum of the other digits, each multiplied by its position
 * counted from the right (1, 2, 3, ...), modulo 10; e.g. 107-07-3:
 * (5*1 + 4*0 + 3*7 + 2*0 + 1*7) = 33 -> 3. Source: CAS, "Check Digit Verification
 * of CAS Registry Numbers",
 * https://www.cas.org/support/documentation/chemical-substances/checkdig
 */
int ty_cas_normalise(const char *s, size_t n, char out[TY_CHEMID_MAX])
{
    const char *h1 = memchr(s, '-', n);
    if (!h1)
        return 0;
    size_t n1 = (size_t)(h1 - s);
    const char *p2 = h1 + 1;
    size_t rest = n - n1 - 1;
    if (rest != 4 || p2[2] != '-' || !all_digits(p2, 2) || !all_digits(p2 + 3, 1))
        return 0;
    if (n1 > 10 || !all_digits(s, n1))
        return 0;
    while (n1 > 2 && s[0] == '0') /* "0050-00-0" is 50-00-0 */
        s++, n1--;
    if (n1 < 2 || n1 > 7 || s[0] == '0')
        return 0;
    char digits[9];
    memcpy(digits, s, n1);
    memcpy(digits + n1, p2, 2);
    size_t nd = n1 + 2;
    unsigned sum = 0;
    for (size_t i = 0; i < nd; i++)
        sum += (unsigned)(digits[nd - 1 - i] - '0') * (unsigned)(i + 1);
    if (sum % 10 != (unsigned)(p2[3] - '0'))
        return 0;
    snprintf(out, TY_CHEMID_MAX, "%.*s-%.2s-%c", (int)n1, s, p2, p2[3]);
    return 1;
}

/*
 * EC number (EINECS / ELINCS / NLP): NNN-NNN-R. R is the sum of the six digits,
 * each multiplied by its position from the left (1..6), modulo 11. A remainder
 * of 10 is normally never issued, but 181 ELINCS numbers (starting with 4) were
 * issued with the check digit 1 instead; the CosIng Annex II export holds five
 * of them (431-520-1, 418-070-1, ...). Sources: European Commission /
 * ECHA EC Inventory, https://echa.europa.eu/information-on-chemicals/ec-inventory
 * and "European Community number", Structure,
 * https://en.wikipedia.org/wiki/European_Community_number
 */
int ty_ec_normalise(const char *s, size_t n, char out[TY_CHEMID_MAX])
{
    if (n != 9 || s[3] != '-' || s[7] != '-' || !all_digits(s, 3) || !all_digits(s + 4, 3) ||
        !all_digits(s + 8, 1))
        return 0;
    const char d[6] = {s[0], s[1], s[2], s[4], s[5], s[6]};
    unsigned sum = 0;
    for (unsigned i = 0; i < 6; i++)
        sum += (unsigned)(d[i] - '0') * (i + 1);
    unsigned r = sum % 11, check = (unsigned)(s[8] - '0');
    if (!(r == check || (r == 10 && check == 1 && s[0] == '4')))
        return 0;
    memcpy(out, s, 9);
    out[9] = '\0';
    return 1;
}

/* ------------------------------------------------------------ normalising */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Parses one character reference at s ("&lt;", "&#39;", "&#x2013;"); on success
 * sets *c and *used. Named references are the five of XML (the export uses no
 * others). */
static int char_ref(const char *s, size_t n, ucs4_t *c, size_t *used)
{
    static const struct {
        const char *name;
        ucs4_t c;
    } named[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&apos;", '\''}};
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        size_t len = strlen(named[k].name);
        if (n >= len && memcmp(s, named[k].name, len) == 0) {
            *c = named[k].c;
            *used = len;
            return 1;
        }
    }
    if (n < 4 || s[1] != '#')
        return 0;
    int hex = s[2] == 'x' || s[2] == 'X';
    size_t i = hex ? 3 : 2, start = i;
    unsigned long v = 0;
    for (; i < n && i - start < 7; i++) {
        char ch = s[i];
        unsigned dv;
        if (ch >= '0' && ch <= '9')
            dv = (unsigned)(ch - '0');
        else if (hex && ch >= 'a' && ch <= 'f')
            dv = (unsigned)(ch - 'a' + 10);
        else if (hex && ch >= 'A' && ch <= 'F')
            dv = (unsigned)(ch - 'A' + 10);
        else
            break;
        v = v * (hex ? 16u : 10u) + dv;
    }
    if (i == start || i >= n || s[i] != ';')
        return 0;
    /* only characters that may stand in text: no controls, surrogates or non-characters
     * beyond Unicode */
    if ((v < 0x20 && v != '\t' && v != '\n') || (v >= 0x7f && v < 0xa0) ||
        (v >= 0xd800 && v <= 0xdfff) || v > 0x10ffff)
        return 0;
    *c = (ucs4_t)v;
    *used = i + 1;
    return 1;
}

static ty_err cosing_normalise(ty_buf *out, const char *s, size_t n)
{
    while (n && is_space(s[0]))
        s++, n--;
    while (n && is_space(s[n - 1]))
        n--;
    size_t i = 0;
    while (i < n) {
        const char *amp = memchr(s + i, '&', n - i);
        size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
        TY_TRY(ty_buf_append(out, s + i, run));
        i += run;
        if (i == n)
            break;
        ucs4_t c;
        size_t used;
        if (char_ref(s + i, n - i, &c, &used)) {
            uint8_t u8[6];
            int len = u8_uctomb(u8, c, (int)sizeof u8);
            if (len > 0) {
                TY_TRY(ty_buf_append(out, u8, (size_t)len));
                i += used;
                continue;
            }
        }
        TY_TRY(ty_buf_putc(out, '&'));
        i++;
    }
    return TY_OK;
}

/* ------------------------------------------------------------ rows */

/*
 * "289", "15b", "151a": digits, then at most two lower-case letters. The digits
 * are not bounded tighter because the export runs the numbers of a row that falls
 * under two entries together ("350351" for entries 350 and 351, its names run
 * together likewise); such rows are kept as exported.
 */
static int ref_no_ok(const char *s, size_t n)
{
    size_t d = 0;
    while (d < n && s[d] >= '0' && s[d] <= '9')
        d++;
    if (d == 0 || d > 12 || n - d > 2)
        return 0;
    for (size_t i = d; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return 0;
    return 1;
}

static int have_id(const ty_ref_row *row, const char *kind, const char *v)
{
    for (size_t i = 0; i < row->nids; i++)
        if (strcmp(row->ids[i].kind, kind) == 0 && strcmp(row->ids[i].value, v) == 0)
            return 1;
    return 0;
}

/* Adds the numbers of one cell ("119738-06-6;200509-41-7") to the row's ids. */
static ty_err add_ids(ty_ref_reader *r, ty_cosing_field f, const char *kind)
{
    ty_ref_row *row = &r->row;
    const char *p = row->field[f], *end = p + row->len[f];
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *q = semi ? semi : end;
        const char *a = p, *b = q;
        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        size_t n = (size_t)(b - a);
        p = semi ? semi + 1 : end;
        if (n == 0 || (n == 1 && *a == '-'))
            continue; /* no number given */
        char v[TY_CHEMID_MAX];
        int ok = kind[0] == 'c' ? ty_cas_normalise(a, n, v) : ty_ec_normalise(a, n, v);
        if (!ok) {
            row->nbad_ids++;
            continue;
        }
        if (have_id(row, kind, v))
            continue;
        if (row->nids == TY_REF_IDS_MAX) {
            TY_TRY(refread_reject(r, row->line, TY_REJ_TOO_LONG, cosing_cols[f],
                                  "more than %d CAS and EC numbers in one row", TY_REF_IDS_MAX));
            return TY_EVALIDATE;
        }
        ty_ref_id *id = &row->ids[row->nids++];
        snprintf(id->kind, sizeof id->kind, "%s", kind);
        memcpy(id->value, v, sizeof id->value);
    }
    return TY_OK;
}

/* Adds the n bytes at s (trimmed) to the row's names unless already there. */
static ty_err add_name(ty_ref_reader *r, const char *s, size_t n)
{
    ty_ref_row *row = &r->row;
    while (n && is_space(s[0]))
        s++, n--;
    while (n && is_space(s[n - 1]))
        n--;
    if (n == 0)
        return TY_OK;
    for (size_t i = 0; i < row->nnames; i++)
        if (row->names[i].n == n && memcmp(row->names[i].s, s, n) == 0)
            return TY_OK;
    if (row->nnames == TY_REF_NAMES_MAX) {
        TY_TRY(refread_reject(r, row->line, TY_REJ_TOO_LONG, cosing_cols[TY_CS_GROUP_NAME],
                              "more than %d names in one row", TY_REF_NAMES_MAX));
        return TY_EVALIDATE;
    }
    row->names[row->nnames].s = s;
    row->names[row->nnames].n = n;
    row->nnames++;
    return TY_OK;
}

/* The entry's name, the compound's name, and the compound's ";"-separated synonyms. */
static ty_err add_names(ty_ref_reader *r)
{
    ty_ref_row *row = &r->row;
    row->nnames = 0;
    TY_TRY(add_name(r, row->field[TY_CS_NAME], row->len[TY_CS_NAME]));
    const char *p = row->field[TY_CS_GROUP_NAME], *end = p + row->len[TY_CS_GROUP_NAME];
    TY_TRY(add_name(r, p, row->len[TY_CS_GROUP_NAME]));
    if (!memchr(p, ';', row->len[TY_CS_GROUP_NAME]))
        return TY_OK;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *q = semi ? semi : end;
        TY_TRY(add_name(r, p, (size_t)(q - p)));
        p = semi ? semi + 1 : end;
    }
    return TY_OK;
}

static ty_err data_row(ty_ref_reader *r, const csv_row *row)
{
    r->nrows++;
    ty_err e = refread_fill(r, row, TY_CS__COUNT, cosing_normalise);
    if (e == TY_EVALIDATE)
        return TY_OK; /* rejected */
    TY_TRY(e);
    ty_ref_row *out = &r->row;
    if (out->len[TY_CS_NAME] == 0)
        return refread_reject(r, row->line, TY_REJ_MISSING, cosing_cols[TY_CS_NAME],
                              "the substance name is empty");
    if (out->len[TY_CS_REF_NO] && !ref_no_ok(out->field[TY_CS_REF_NO], out->len[TY_CS_REF_NO])) {
        char q[REF_QUOTE_SIZE(40)];
        ty_quote_for_message(q, sizeof q, out->field[TY_CS_REF_NO], out->len[TY_CS_REF_NO], 40);
        return refread_reject(r, row->line, TY_REJ_FORMAT, cosing_cols[TY_CS_REF_NO],
                              "expected an entry number such as 289 or 15b, got %s", q);
    }
    static const struct {
        ty_cosing_field f;
        const char *kind;
    } id_cells[] = {
        {TY_CS_GROUP_CAS, "cas"},
        {TY_CS_CAS, "cas"},
        {TY_CS_GROUP_EC, "ec"},
        {TY_CS_EC, "ec"},
    };
    for (size_t k = 0; k < sizeof id_cells / sizeof id_cells[0]; k++) {
        e = add_ids(r, id_cells[k].f, id_cells[k].kind);
        if (e == TY_EVALIDATE)
            return TY_OK;
        TY_TRY(e);
    }
    e = add_names(r);
    if (e == TY_EVALIDATE)
        return TY_OK;
    TY_TRY(e);
    return r->sink.on_row(r->sink.ctx, out);
}

static ty_err on_row(void *ctx, const csv_row *row)
{
    ty_ref_reader *r = ctx;
    if (r->fatal)
        return TY_OK;
    if (r->have_header)
        return data_row(r, row);
    /* preamble until the header row */
    const char *key = cosing_cols[TY_CS_REF_NO];
    size_t i = 0, klen = strlen(key);
    while (i < row->n && !(row->len[i] == klen && memcmp(row->cell[i], key, klen) == 0))
        i++;
    if (i == row->n)
        return TY_OK;
    TY_TRY(refread_header(r, row, cosing_cols, TY_CS__COUNT, "CosIng"));
    if (r->fatal)
        return TY_OK;
    if (r->field_col[TY_CS_NAME] < 0)
        return refread_refuse(r, row->line, cosing_cols[TY_CS_NAME],
                              "column missing from the %s header", r->source);
    return TY_OK;
}

static ty_err on_error(void *ctx, uint64_t line, ty_reject_class c, int col, const char *msg)
{
    return refread_csv_error(ctx, line, c, col, msg);
}

static ty_err cosing_init(ty_ref_reader *r)
{
    r->source = "CosIng";
    return csv_rows_init(&r->rows, '\t', TY_REF_ROW_MAX, r, on_row, on_error);
}

static ty_err cosing_line(ty_ref_reader *r, const char *s, size_t n, uint64_t lineno)
{
    if (lineno > 1)
        return csv_rows_line(&r->rows, s, n, lineno);
    /* the title sits at the start of the line: look no further than 512 bytes */
    size_t span = n < 512 ? n : 512;
    for (size_t k = 0; k < sizeof annexes / sizeof annexes[0]; k++) {
        size_t len = strlen(annexes[k].title);
        for (size_t i = 0; i + len <= span; i++)
            if (memcmp(s + i, annexes[k].title, len) == 0) {
                r->annex = annexes[k].annex;
                r->source = annexes[k].source;
                return TY_OK;
            }
    }
    char q[REF_QUOTE_SIZE(80)];
    ty_quote_for_message(q, sizeof q, s, n, 80);
    return refread_refuse(r, lineno, "",
                          "not a CosIng Annex II or Annex III export: the first line must name "
                          "the annex (\"... Annex II - Prohibited Substances\" or \"... Annex III "
                          "- Restricted Substances\"), got %s",
                          q);
}

static ty_err cosing_finish(ty_ref_reader *r)
{
    if (!r->annex)
        return refread_refuse(r, 0, "",
                              "the file is empty (expected a CosIng Annex II or III "
                              "export)");
    TY_TRY(csv_rows_finish(&r->rows));
    if (!r->have_header && !r->fatal)
        return refread_refuse(r, 0, "",
                              "no header row found in the %s export (a row with a \"Ref No.\" "
                              "column)",
                              r->source);
    return TY_OK;
}

const refread_ops ty_cosing_ops = {cosing_init, cosing_line, cosing_finish};
