/* cli_util.c - small helpers of the commands' text output. */
#include <string.h>

#include "cli.h"

const char *cli_clip(const char *s, char *out, size_t n)
{
    size_t k = strlen(s);
    if (k >= n) { /* cut between UTF-8 characters */
        k = n - 1;
        while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
    }
    memcpy(out, s, k);
    out[k] = '\0';
    return out;
}
