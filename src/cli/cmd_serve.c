/*
 * cmd_serve.c - `tianyan serve`: runs the HTTP API (include/tianyan/server.h).
 *
 * Settings come from the server's key table, in this order, each source
 * overriding the one before: the defaults, the INI file of --config, the
 * environment (TIANYAN_<KEY>), then the flags (--key-name VALUE or
 * --key-name=VALUE). A bad value is refused naming the key and its source.
 * --openapi, --api-md and --config-md print the generated documents. On SIGHUP
 * the server calls load() again, so the same sources give the new settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tianyan/server.h"

const cli_opt serve_opts[] = {
    {"config", "FILE", "INI file of settings (key = value; see below)"},
    {"db", "PATH", "store file (the key db)"},
    {"openapi", NULL, "print the OpenAPI 3 document of the API and exit"},
    {"api-md", NULL, "print the API reference (docs/api.md) and exit"},
    {"config-md", NULL, "print the settings table (docs/server.md) and exit"},
    {NULL, NULL, NULL},
};

static void help(const cli_cmd *c)
{
    cli_help(c, stdout);
    size_t n;
    const ty_conf_key *k = ty_server_conf_keys(&n);
    printf("\nsettings (flag --key-name VALUE, environment TIANYAN_KEY_NAME, file key_name = "
           "VALUE;\nflags override the environment, which overrides the file):\n");
    for (size_t i = 0; i < n; i++) {
        char flag[80], range[80];
        size_t j = 0;
        for (; k[i].key[j] && j + 1 < sizeof flag; j++)
            flag[j] = k[i].key[j] == '_' ? '-' : k[i].key[j];
        flag[j] = '\0';
        if (k[i].type == TY_CONF_INT)
            snprintf(range, sizeof range, "%lld-%lld%s%s", (long long)k[i].min, (long long)k[i].max,
                     k[i].unit ? " " : "", k[i].unit ? k[i].unit : "");
        else if (k[i].type == TY_CONF_BOOL)
            snprintf(range, sizeof range, "true|false");
        else
            snprintf(range, sizeof range, "%s", k[i].unit ? k[i].unit : "text");
        printf("  --%-24s %s\n  %-26s [%s; default %s%s]\n", flag, k[i].help, "", range,
               k[i].def[0] ? k[i].def : "(empty)", k[i].reloadable ? "; reloadable" : "");
    }
}

static int print_doc(ty_err (*gen)(ty_buf *out))
{
    ty_buf b;
    ty_buf_init(&b, 16 * 1024 * 1024);
    ty_err e = gen(&b);
    if (e == TY_OK)
        fwrite(b.data, 1, b.len, stdout);
    else
        fprintf(stderr, "tianyan serve: %s\n", ty_err_message(e));
    ty_buf_free(&b);
    return e == TY_OK ? CLI_OK : CLI_FAIL;
}

static ty_err openapi_pretty(ty_buf *out)
{
    ty_err e = ty_server_openapi(out, 1);
    return e == TY_OK ? ty_buf_putc(out, '\n') : e;
}

/* The sources of the settings, kept to read them again on SIGHUP. */
typedef struct sources {
    int argc;
    char **argv;
    const char *config;
} sources;

/* Defaults, then the file, the environment and the flags, each over the one
 * before. TY_EUSAGE for a malformed command line. */
static ty_err load(void *ctx, ty_server_conf *conf, char *err, size_t errn)
{
    const sources *src = ctx;
    ty_server_conf_defaults(conf);
    ty_err e = TY_OK;
    if (src->config)
        e = ty_server_conf_load_file(conf, src->config, err, errn);
    if (e == TY_OK)
        e = ty_server_conf_load_env(conf, err, errn);
    for (int i = 1; e == TY_OK && i < src->argc; i++) {
        const char *a = src->argv[i];
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errn, "unexpected argument \"%s\" (settings are --key VALUE)", a);
            return TY_EUSAGE;
        }
        char name[80], where[96];
        const char *val = NULL, *eq = strchr(a, '=');
        if (eq) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a - 2), a + 2);
            val = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a + 2);
            if (i + 1 >= src->argc) {
                snprintf(err, errn, "--%s: a value is required", name);
                return TY_EUSAGE;
            }
            val = src->argv[++i];
        }
        if (strcmp(name, "config") == 0)
            continue;
        if (strchr(name, '_')) {
            snprintf(err, errn, "--%s: flags are written with dashes", name);
            return TY_EUSAGE;
        }
        snprintf(where, sizeof where, "--%s", name);
        e = ty_server_conf_set(conf, name, val, where, err, errn);
        if (e == TY_ENOENT)
            e = TY_EUSAGE;
    }
    return e;
}

int cmd_serve(const cli_cmd *c, int argc, char **argv)
{
    /* first pass: the modes and --config, which decide what the rest means */
    sources src = {argc, argv, NULL};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help(c);
            return CLI_OK;
        }
        if (strcmp(a, "--openapi") == 0)
            return print_doc(openapi_pretty);
        if (strcmp(a, "--api-md") == 0)
            return print_doc(ty_server_api_markdown);
        if (strcmp(a, "--config-md") == 0)
            return print_doc(ty_server_conf_markdown);
        if (strcmp(a, "--config") == 0 && i + 1 < argc)
            src.config = argv[i + 1];
        else if (strncmp(a, "--config=", 9) == 0)
            src.config = a + 9;
    }
    ty_server_conf *conf = malloc(sizeof *conf);
    if (!conf) {
        fprintf(stderr, "tianyan serve: out of memory\n");
        return CLI_FAIL;
    }
    char err[1024];
    ty_err e = load(&src, conf, err, sizeof err);
    if (e == TY_OK)
        e = ty_server_conf_check(conf, err, sizeof err);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan serve: %s\n", err);
        if (e == TY_EUSAGE)
            fprintf(stderr, "try: tianyan serve --help\n");
        free(conf);
        return e == TY_EUSAGE || e == TY_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    e = ty_server_run(conf, load, &src, err, sizeof err);
    free(conf);
    if (e != TY_OK) {
        fprintf(stderr, "tianyan serve: %s\n", err);
        return CLI_FAIL;
    }
    return CLI_OK;
}
