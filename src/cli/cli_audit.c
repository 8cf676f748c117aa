/* cli_audit.c - the audit entries of state changes made from the command line. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "tianyan/audit.h"

int cli_audit(ty_store *st, const char *cmd, const char *action, const char *object,
              const ty_audit_field *f, size_t nf)
{
    /* the local account that ran the command: the only identity the CLI has */
    const struct passwd *pw = getpwuid(getuid());
    char actor[TY_AUDIT_NAME_MAX + 1];
    snprintf(actor, sizeof actor, "cli:%.59s", pw && pw->pw_name ? pw->pw_name : "?");
    char err[256] = "";
    ty_err e = ty_audit_append_fields(st, actor, action, object, f, nf, NULL, err, sizeof err);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan %s: the change was made but could not be audited: %s\n", cmd,
                err[0] ? err : ty_err_message(e));
        return CLI_FAIL;
    }
    return CLI_OK;
}
