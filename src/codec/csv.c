/*
 * csv.c - exchange spec CSV mapping (docs/exchange-spec.md, "CSV files").
 *
 * The header names the columns with the spec's field names and must include
 * `type`. An empty cell means the field is absent. Array fields hold their items
 * separated by "|". A record type with a list of objects (order items,
 * adverse-event products) takes one row per object: consecutive rows with the
 * same type and id form one record, the object's fields are columns of their
 * own, and the record-level cells of continuation rows must be empty or equal
 * to the first row's.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "csvrows.h"
#include "decoder_impl.h"
#include "tianyan/hashidx.h"

#define LIST_SEP '|'

/* Record groups remembered per file to catch rows of one order that are not
 * consecutive (which would otherwise arrive as a second order with the same
 * id, i.e. a duplicate, and lose its lines). Past this many, no more checking. */
#define GROUPS_TRACKED 1000000 /* at most 2^21 slots: 32 MiB */

typedef struct csvdec {
    ty_decoder *d;
    csv_rows rows;
    int have_header;
    int header_ok;
    size_t ncol;
    char *colname[CSV_COLS_MAX];
    int type_col, id_col;
    /* the record being assembled from a row group */
    int open;                /* a group is open in d->raw */
    const ty_schema *schema; /* its schema */
    int objs_field;          /* index of its OBJECTS field */
    uint32_t arr_idx;        /* raw token of the objects array */
    uint64_t line;           /* first line of the group */
    int bad;                 /* the group was already rejected; skip its rows */
    ty_buf first;            /* record-level cells of the first row, NUL-separated */
    uint32_t first_off[CSV_COLS_MAX];
    char *group_id; /* type and id of the open group */
    const ty_schema *group_schema;
    ty_hashidx closed; /* hash of (type, id) -> first line, of groups already closed */
    int tracking;
    unsigned char key[crypto_shorthash_KEYBYTES];
} csvdec;

/* Hash of a group's identity (type and id), keyed per decoder so that a file
 * cannot be built to collide. A 64-bit hash stands in for the id: a false match
 * would need a collision among this file's groups. */
static uint64_t group_hash(const csvdec *c, const ty_schema *s, const char *id, size_t n)
{
    const unsigned char *key = c->key;
    unsigned char msg[4 + 256], h[8];
    msg[0] = (unsigned char)s->type;
    msg[1] = msg[2] = msg[3] = 0;
    if (n > 256)
        n = 256;
    memcpy(msg + 4, id, n);
    crypto_shorthash(h, msg, 4 + n, key);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)h[i] << (8 * i);
    return v;
}

static int objs_field_of(const ty_schema *s)
{
    for (size_t i = 0; i < s->nfields; i++)
        if (s->fields[i].kind == TY_FK_OBJECTS)
            return (int)i;
    return -1;
}

static int is_list(ty_field_kind k)
{
    return k == TY_FK_STR_LIST || k == TY_FK_ENUM_LIST;
}

/* Pushes one cell as a field of the current object: a scalar, or a "|"-separated array. */
static ty_err push_cell(ty_decoder *d, const ty_field *f, const char *key, const char *s, size_t n)
{
    uint32_t idx;
    if (f && is_list(f->kind)) {
        TY_TRY(raw_push(&d->raw, RAW_ARRAY, key, strlen(key), NULL, 0, &idx));
        size_t start = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i == n || s[i] == LIST_SEP) {
                uint32_t it;
                TY_TRY(raw_push(&d->raw, RAW_TEXT, NULL, 0, s + start, i - start, &it));
                start = i + 1;
            }
        }
        raw_close(&d->raw, idx);
        return TY_OK;
    }
    return raw_push(&d->raw, RAW_TEXT, key, strlen(key), s, n, &idx);
}

static ty_err reject_limit(csvdec *c, uint64_t line)
{
    return dec_rejectf(c->d, line, TY_REJ_TOO_LONG, "", "record is too large");
}

/* Closes and validates the open group. */
static ty_err group_close(csvdec *c)
{
    if (!c->open)
        return TY_OK;
    c->open = 0;
    if (c->tracking && c->closed.count < GROUPS_TRACKED)
        TY_TRY(ty_hashidx_insert(&c->closed,
                                 group_hash(c, c->group_schema, c->group_id, strlen(c->group_id)),
                                 (int64_t)c->line));
    free(c->group_id);
    c->group_id = NULL;
    if (c->bad)
        return TY_OK;
    raw_close(&c->d->raw, c->arr_idx);
    raw_close(&c->d->raw, 0);
    return dec_emit(c->d, c->line);
}

/*
 * A row that cannot be read (bad quoting, invalid UTF-8, wrong cell count, a
 * line too long) while a record's rows are being gathered may be one of that
 * record's rows: the record is dropped with it rather than stored without it
 * (a partial order stored now would make the corrected re-send a duplicate).
 * Its remaining rows are absorbed silently; the one reject says what happened.
 */
static ty_err reject_row(csvdec *c, uint64_t line, ty_reject_class cls, const char *field,
                         const char *why)
{
    if (c->open && !c->bad) {
        c->bad = 1;
        return dec_rejectf(c->d, line, cls, field,
                           "%s; the %s that starts at line %llu is dropped with it (send it "
                           "again whole)",
                           why, c->group_schema->name, (unsigned long long)c->line);
    }
    return dec_rejectf(c->d, line, cls, field, "%s", why);
}

/* Appends this row's object (its object-field cells) to the open group's array. */
static ty_err add_object(csvdec *c, const csv_row *row)
{
    ty_decoder *d = c->d;
    const ty_schema *sub = c->group_schema->fields[c->objs_field].sub;
    uint32_t obj;
    TY_TRY(raw_push(&d->raw, RAW_OBJECT, NULL, 0, NULL, 0, &obj));
    for (size_t i = 0; i < c->ncol && i < row->n; i++) {
        if (row->len[i] == 0)
            continue;
        int fi = ty_schema_field(sub, c->colname[i], strlen(c->colname[i]));
        if (fi < 0)
            continue;
        TY_TRY(push_cell(d, &sub->fields[fi], c->colname[i], row->cell[i], row->len[i]));
    }
    raw_close(&d->raw, obj);
    return TY_OK;
}

static ty_err on_row(void *ctx, const csv_row *row)
{
    csvdec *c = ctx;
    ty_decoder *d = c->d;
    if (!c->have_header) {
        c->have_header = 1;
        c->ncol = row->n;
        c->type_col = c->id_col = -1;
        for (size_t i = 0; i < row->n; i++) {
            c->colname[i] = strndup(row->cell[i], row->len[i]);
            if (!c->colname[i])
                return TY_ENOMEM;
            if (strcmp(c->colname[i], "type") == 0)
                c->type_col = (int)i;
            if (strcmp(c->colname[i], "id") == 0)
                c->id_col = (int)i;
            for (size_t k = 0; k < i; k++)
                if (strcmp(c->colname[k], c->colname[i]) == 0)
                    return dec_rejectf(d, row->line, TY_REJ_HEADER, c->colname[i],
                                       "column named twice in the header");
            if (row->len[i] == 0)
                return dec_rejectf(d, row->line, TY_REJ_HEADER, "",
                                   "column %zu of the header has no name", i + 1);
        }
        if (c->type_col < 0 || c->id_col < 0)
            return dec_rejectf(d, row->line, TY_REJ_HEADER, c->type_col < 0 ? "type" : "id",
                               "the header must name a%s \"%s\" column", c->type_col < 0 ? "" : "n",
                               c->type_col < 0 ? "type" : "id");
        c->header_ok = 1;
        return TY_OK;
    }
    if (!c->header_ok) {
        TY_TRY(group_close(c));
        return dec_rejectf(d, row->line, TY_REJ_HEADER, "",
                           "no usable header line; see the header error above");
    }
    if (row->n != c->ncol) {
        char why[96];
        snprintf(why, sizeof why, "expected %zu fields as in the header, got %zu", c->ncol, row->n);
        return reject_row(c, row->line, TY_REJ_SYNTAX, "", why);
    }
    const char *type = row->cell[c->type_col];
    const ty_schema *s = ty_schema_by_name(type, row->len[c->type_col]);
    const char *id = row->cell[c->id_col];

    /* A continuation row of the open group? */
    if (c->open && s == c->group_schema && strcmp(id, c->group_id) == 0 && row->len[c->id_col]) {
        if (c->bad)
            return TY_OK;
        for (size_t i = 0; i < c->ncol; i++) {
            int top = ty_schema_field(s, c->colname[i], strlen(c->colname[i]));
            if (top < 0 || row->len[i] == 0)
                continue;
            const char *f = c->first.data + c->first_off[i];
            if (strcmp(f, row->cell[i]) != 0) {
                c->bad = 1;
                return dec_rejectf(d, row->line, TY_REJ_RULE, c->colname[i],
                                   "differs from line %llu of the same %s; record-level cells of "
                                   "continuation rows must be empty or equal",
                                   (unsigned long long)c->line, s->name);
            }
        }
        ty_err e = add_object(c, row);
        if (e == TY_ELIMIT) {
            c->bad = 1;
            return reject_limit(c, c->line);
        }
        return e;
    }
    TY_TRY(group_close(c));

    raw_reset(&d->raw);
    uint32_t root;
    TY_TRY(raw_push(&d->raw, RAW_OBJECT, NULL, 0, NULL, 0, &root));
    int objs = s ? objs_field_of(s) : -1;
    ty_err e = TY_OK;
    for (size_t i = 0; i < c->ncol && e == TY_OK; i++) {
        if (row->len[i] == 0)
            continue;
        const ty_field *f = NULL;
        if (s) {
            int fi = ty_schema_field(s, c->colname[i], strlen(c->colname[i]));
            if (fi >= 0)
                f = &s->fields[fi];
            else if (objs >= 0 && ty_schema_field(s->fields[objs].sub, c->colname[i],
                                                  strlen(c->colname[i])) >= 0)
                continue; /* an object's column, handled below */
        }
        e = push_cell(d, f, c->colname[i], row->cell[i], row->len[i]);
    }
    if (e == TY_ELIMIT)
        return reject_limit(c, row->line);
    TY_TRY(e);
    if (objs < 0) {
        raw_close(&d->raw, root);
        return dec_emit(d, row->line);
    }
    /* a group that already ended earlier in the file: its rows are not consecutive */
    if (c->tracking) {
        uint64_t pos = UINT64_MAX;
        int64_t first;
        if (ty_hashidx_next(&c->closed, group_hash(c, s, id, row->len[c->id_col]), &pos, &first))
            return dec_rejectf(d, row->line, TY_REJ_RULE, "id",
                               "this %s already ended (its rows start at line %lld); the rows of "
                               "one %s must be consecutive",
                               s->name, (long long)first, s->name);
    }
    /* open a group: remember the record-level cells, start the objects array */
    c->open = 1;
    c->bad = 0;
    c->line = row->line;
    c->group_schema = s;
    c->objs_field = objs;
    c->group_id = strndup(id, row->len[c->id_col]);
    if (!c->group_id)
        return TY_ENOMEM;
    ty_buf_reset(&c->first);
    for (size_t i = 0; i < c->ncol; i++) {
        c->first_off[i] = (uint32_t)c->first.len;
        TY_TRY(ty_buf_append(&c->first, row->cell[i], row->len[i]));
        TY_TRY(ty_buf_putc(&c->first, '\0'));
    }
    e = raw_push(&d->raw, RAW_ARRAY, s->fields[objs].name, strlen(s->fields[objs].name), NULL, 0,
                 &c->arr_idx);
    if (e == TY_OK)
        e = add_object(c, row);
    if (e == TY_ELIMIT) {
        c->bad = 1;
        return reject_limit(c, row->line);
    }
    return e;
}

static ty_err on_error(void *ctx, uint64_t line, ty_reject_class cls, int col, const char *msg)
{
    csvdec *c = ctx;
    const char *field = "";
    if (col >= 0 && c->have_header && (size_t)col < c->ncol)
        field = c->colname[col];
    return reject_row(c, line, cls, field, msg);
}

static ty_err csv_init_(ty_decoder *d)
{
    csvdec *c = calloc(1, sizeof *c);
    if (!c)
        return TY_ENOMEM;
    c->d = d;
    d->impl = c;
    c->tracking = ty_hashidx_init(&c->closed, 0) == TY_OK;
    randombytes_buf(c->key, sizeof c->key);
    ty_buf_init(&c->first, d->lim.max_line * 2 + 4096);
    return csv_rows_init(&c->rows, ',', d->lim.max_line * 2 + 4096, c, on_row, on_error);
}

static ty_err csv_line(ty_decoder *d, const char *s, size_t n, uint64_t lineno)
{
    csvdec *c = d->impl;
    return csv_rows_line(&c->rows, s, n, lineno);
}

static ty_err csv_finish(ty_decoder *d)
{
    csvdec *c = d->impl;
    TY_TRY(csv_rows_finish(&c->rows));
    return group_close(c);
}

static void csv_free_(ty_decoder *d)
{
    csvdec *c = d->impl;
    if (!c)
        return;
    csv_rows_free(&c->rows);
    ty_buf_free(&c->first);
    if (c->tracking)
        ty_hashidx_free(&c->closed);
    for (size_t i = 0; i < c->ncol; i++)
        free(c->colname[i]);
    free(c->group_id);
    free(c);
    d->impl = NULL;
}

static ty_err csv_skipped(ty_decoder *d)
{
    csvdec *c = d->impl;
    uint64_t line;
    TY_TRY(csv_rows_abort(&c->rows, &line));
    if (line)
        return reject_row(c, line, TY_REJ_TOO_LONG, "",
                          "row dropped: it continues on a line that is too long");
    if (c->open && !c->bad) {
        c->bad = 1; /* the too-long line may be one of its rows; its reject follows */
        return dec_rejectf(d, c->line, TY_REJ_RULE, "",
                           "%s dropped: a line within or after its rows is too long (send it "
                           "again whole)",
                           c->group_schema->name);
    }
    return TY_OK;
}

const decoder_ops ty_csv_ops = {csv_init_, csv_line, csv_finish, csv_free_, csv_skipped};
