/* cli_rules.c - the `--rules FILE` option shared by detect, eval and replay. */
#include <stdio.h>

#include "cli.h"
#include "tianyan/rules.h"

int cli_load_rules(const char *cmd, const char *path, ty_rules *r)
{
    ty_rules_defaults(r);
    if (!path)
        return CLI_OK;
    char err[512];
    ty_err e = ty_rules_load(path, r, err, sizeof err);
    if (e != TY_OK) {
        if (err[0]) /* names the file */
            fprintf(stderr, "tianyan %s: %s\n", cmd, err);
        else
            fprintf(stderr, "tianyan %s: rules %s: %s\n", cmd, path, ty_err_message(e));
        return CLI_FAIL;
    }
    return CLI_OK;
}
