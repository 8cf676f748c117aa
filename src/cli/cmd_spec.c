/*
 * cmd_spec.c - `tianyan spec`: prints the exchange-spec tables from the schema
 * this build validates against. docs/exchange-spec.md embeds this output
 * between markers, and a test checks the two are the same.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tianyan/record.h"

const cli_opt spec_opts[] = {
    {"enums", NULL, "print only the enumerations"},
    {"fields", NULL, "print only the record field tables"},
    {NULL, NULL, NULL},
};

static void constraint(const ty_field *f, char *out, size_t n)
{
    switch (f->kind) {
    case TY_FK_INT:
        snprintf(out, n, "%" PRId64 " to %" PRId64, f->min, f->max);
        break;
    case TY_FK_ID:
    case TY_FK_STR:
    case TY_FK_TEXT:
        snprintf(out, n, "%s%" PRId64 " bytes", f->min > 0 ? "1 to " : "up to ", f->max);
        break;
    case TY_FK_BUYER:
        snprintf(out, n, "1 to 128 bytes; stored keyed-hashed");
        break;
    case TY_FK_ENUM:
    case TY_FK_ENUM_LIST:
        snprintf(out, n, "`%s`%s", f->enumv->name, f->kind == TY_FK_ENUM_LIST ? " codes" : "");
        break;
    case TY_FK_STR_LIST:
        snprintf(out, n, "%" PRId64 " to %" PRId64 " items of up to %u bytes", f->min, f->max,
                 f->item_max);
        break;
    case TY_FK_OBJECTS:
        snprintf(out, n, "%" PRId64 " to %" PRId64 " %s objects", f->min, f->max, f->sub->name);
        break;
    case TY_FK_TIME:
        snprintf(out, n, "2000-01-01 to now + 24 h");
        break;
    case TY_FK_DATE:
        snprintf(out, n, "1900-01-01 to 2100-12-31");
        break;
    default:
        out[0] = '\0';
    }
}

static void print_fields(const ty_schema *s, int level)
{
    printf("%s `%s` — %s (%s)\n\n%s\n\n", level == 3 ? "###" : "####", s->name, s->en, s->zh,
           s->doc);
    printf("| field | type | required | constraint | meaning |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < s->nfields; i++) {
        const ty_field *f = &s->fields[i];
        char cons[160];
        constraint(f, cons, sizeof cons);
        printf("| `%s` | %s | %s | %s | %s |\n", f->name, ty_field_kind_name(f->kind),
               (f->flags & TY_FF_REQUIRED) ? "yes" : "no", cons, f->doc);
    }
    printf("\n");
    for (size_t i = 0; i < s->nfields; i++)
        if (s->fields[i].kind == TY_FK_OBJECTS)
            print_fields(s->fields[i].sub, 4);
}

int cmd_spec(const cli_cmd *c, int argc, char **argv)
{
    cli_args a;
    int done;
    int rc = cli_parse(c, argc, argv, &a, &done);
    if (rc != CLI_OK || done)
        return rc;
    int only_enums = cli_get(c, &a, "enums") != NULL;
    int only_fields = cli_get(c, &a, "fields") != NULL;
    if (!only_enums)
        for (int t = 1; t <= TY_REC_TYPE_MAX; t++)
            print_fields(ty_schema_of(t), 3);
    if (!only_fields) {
        size_t n;
        const ty_enum *const *e = ty_enums(&n);
        for (size_t i = 0; i < n; i++) {
            printf("### enumeration `%s`\n\n%s\n\n| code | 中文 | English |\n|---|---|---|\n",
                   e[i]->name, e[i]->doc);
            for (size_t k = 0; k < e[i]->count; k++)
                printf("| `%s` | %s | %s |\n", e[i]->values[k].code, e[i]->values[k].zh,
                       e[i]->values[k].en);
            printf("\n");
        }
    }
    return CLI_OK;
}
