/* TEMPORARY stub so the tree links while the reference importers are written; to be deleted. */
#include "tianyan/reference.h"
int ty_ref_format_parse(const char *name, ty_ref_format *f)
{
    (void)name;
    (void)f;
    return 0;
}
ty_err ty_ref_import_path(ty_store *st, ty_ref_format f, const char *path, ty_ref_report *rep)
{
    (void)st;
    (void)f;
    (void)path;
    (void)rep;
    return TY_EINVAL;
}
ty_err ty_ref_count(ty_store *st, const char *table, int64_t *n)
{
    (void)st;
    (void)table;
    (void)n;
    return TY_EINVAL;
}
