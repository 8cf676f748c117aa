/*
 * prices.c - unit prices seen per product family and merchant, for the
 * counterfeit detector.
 *
 * A product family is what buyers would call "the same product": the GTIN when
 * the listing has one (it is the same across merchants and platforms),
 * otherwise the brand and title. For every (family, merchant) the engine keeps
 * the last PRICE_KEEP unit prices paid, in a ring; the detector compares a
 * merchant's median with the other merchants' medians (robust: a few odd
 * orders do not move a median).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_impl.h"

ty_err price_note(ty_engine *e, uint32_t product, uint32_t merchant, int64_t unit_price)
{
    if (merchant == NO_ENTITY || unit_price <= 0)
        return TY_OK;
    product_info *pi = e->ent[product].info;
    /* the family key: "gtin:<digits>" or "bt:<brand index>:<title>" */
    char key[600];
    int n;
    if (pi->gtin)
        n = snprintf(key, sizeof key, "gtin:%s", pi->gtin);
    else if (e->ent[product].display)
        n = snprintf(key, sizeof key, "bt:%u:%s", pi->brand, e->ent[product].display);
    else
        return TY_OK; /* nothing to compare it with */
    if (n < 0)
        return TY_EINVAL;
    size_t kn = (size_t)n < sizeof key ? (size_t)n : sizeof key - 1;
    uint32_t fam;
    TY_TRY(ent_get(e, TY_ENT_FAMILY, 0, key, kn, &fam));
    entity *f = &e->ent[fam];
    if (!f->display && e->ent[product].display)
        ent_set_display(e, fam, e->ent[product].display, strlen(e->ent[product].display));
    price_ring *r = NULL;
    for (uint32_t i = 0; i < f->nprices; i++)
        if (f->prices[i].merchant == merchant) {
            r = &f->prices[i];
            break;
        }
    if (!r) {
        if (f->nprices == PRICE_MERCHANTS_MAX)
            return TY_OK; /* enough sellers to judge the norm */
        price_ring *p = realloc(f->prices, sizeof *p * (f->nprices + 1));
        if (!p)
            return TY_ENOMEM;
        f->prices = p;
        r = &f->prices[f->nprices++];
        memset(r, 0, sizeof *r);
        r->merchant = merchant;
    }
    r->price[r->next] = unit_price;
    r->next = (uint16_t)((r->next + 1) % PRICE_KEEP);
    if (r->n < PRICE_KEEP)
        r->n++;
    r->product = product;
    f->touched = e->gen;
    return TY_OK;
}
