/* isocodes.c - binary search over the generated ISO code tables. */
#include "tianyan/isocodes.h"

#include <string.h>

extern const char *const ty_iso_3166_1[];
extern const unsigned ty_iso_3166_1_count;
extern const char *const ty_iso_3166_2[];
extern const unsigned ty_iso_3166_2_count;
extern const char *const ty_iso_4217[];
extern const unsigned ty_iso_4217_count;

static int member(const char *const *tab, unsigned count, const char *s, size_t n)
{
    unsigned lo = 0, hi = count;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        int c = strncmp(tab[mid], s, n);
        if (c == 0 && tab[mid][n] != '\0')
            c = 1;
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int ty_iso_country(const char *s, size_t n)
{
    return n == 2 && member(ty_iso_3166_1, ty_iso_3166_1_count, s, n);
}

int ty_iso_region(const char *s, size_t n)
{
    return n >= 4 && n <= 6 && member(ty_iso_3166_2, ty_iso_3166_2_count, s, n);
}

int ty_iso_currency(const char *s, size_t n)
{
    return n == 3 && member(ty_iso_4217, ty_iso_4217_count, s, n);
}
