/*
 * fuzz_route.c - libFuzzer target for the server's route matching
 * (src/server/routes.c): the first byte picks the method, the rest is a
 * request path as libmicrohttpd hands it over (percent-decoded, any bytes).
 * Checks the contract: a match is a route of the table with that method whose
 * pattern, with the {params} put back, is the path again; a 405 (path known,
 * no route) has a non-empty Allow list that does not name the method; nothing
 * is matched for a path longer than the scratch space. Seed corpus: every
 * route, near misses, odd slashes, dots and long paths.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *methods[] = {"GET", "POST", "DELETE", "PUT", "HEAD", "OPTIONS"};
    if (size < 1 || size > 4096)
        return 0;
    const char *method = methods[data[0] % 6];
    char path[4097], scratch[1024], allow[64];
    memcpy(path, data + 1, size - 1);
    path[size - 1] = '\0';
    const char *params[SRV_PARAMS_MAX] = {NULL};
    int known = 0;
    const route *rt =
        srv_route_match(method, path, scratch, sizeof scratch, params, &known, allow, sizeof allow);
    if (strlen(path) + 1 > sizeof scratch && (rt || known))
        abort();
    if (rt) {
        if (rt < srv_routes || rt >= srv_routes + srv_nroutes || strcmp(rt->method, method) != 0 ||
            !known)
            abort();
        /* the pattern with its parameters filled in is the path */
        char rebuilt[4200] = "";
        size_t np = 0, n = 0;
        for (const char *p = rt->path; *p;) {
            if (*p == '{') {
                const char *v = params[np++];
                if (!v || !*v || strchr(v, '/'))
                    abort();
                n += (size_t)snprintf(rebuilt + n, sizeof rebuilt - n, "%s", v);
                p = strchr(p, '}') + 1;
            } else {
                rebuilt[n++] = *p++;
                rebuilt[n] = '\0';
            }
        }
        if (strcmp(rebuilt, path) != 0)
            abort();
    } else if (known) {
        if (!allow[0] || strstr(allow, method))
            abort();
    }
    return 0;
}
