/*
 * json.c - JSON answers of the API through yajl's generator: "key": value
 * writers (NULL or empty strings and non-finite numbers become null), and the
 * warning, history and principal objects. The warning fields and their names
 * are those of `tianyan warnings --json` and `tianyan explain --json`; the
 * API writes every time in UTC ("Z").
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <unistr.h>
#include <yajl/yajl_parse.h>

#include "server_impl.h"
#include "tianyan/risk.h"
#include "tianyan/timeutil.h"

#define JSON_MAX (64u * 1024 * 1024) /* largest answer built in memory */

yajl_gen json_new(void)
{
    yajl_gen g = yajl_gen_alloc(NULL);
    if (g)
        yajl_gen_config(g, yajl_gen_validate_utf8, 1);
    return g;
}

ty_err json_finish(yajl_gen g, ty_buf *out)
{
    const unsigned char *buf;
    size_t len;
    ty_err e = TY_EINVAL;
    if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok) {
        ty_buf_init(out, JSON_MAX);
        e = ty_buf_append(out, buf, len);
    }
    yajl_gen_free(g);
    return e;
}

void json_key(yajl_gen g, const char *k)
{
    yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

/* A string as JSON. Text that is not UTF-8 (a percent-decoded path, a value
 * cut at a byte limit inside a character) has each bad byte replaced by '?',
 * so that an answer or a log line is always valid JSON. */
static void put_string(yajl_gen g, const char *v, size_t n)
{
    if (!u8_check((const uint8_t *)v, n)) {
        yajl_gen_string(g, (const unsigned char *)v, n);
        return;
    }
    char buf[2048];
    size_t m = n < sizeof buf ? n : sizeof buf;
    memcpy(buf, v, m);
    const uint8_t *bad;
    while ((bad = u8_check((const uint8_t *)buf, m)))
        buf[bad - (const uint8_t *)buf] = '?';
    yajl_gen_string(g, (const unsigned char *)buf, m);
}

void json_str(yajl_gen g, const char *k, const char *v)
{
    json_key(g, k);
    if (v && *v)
        put_string(g, v, strlen(v));
    else
        yajl_gen_null(g);
}

void json_int(yajl_gen g, const char *k, long long v)
{
    json_key(g, k);
    yajl_gen_integer(g, v);
}

void json_num(yajl_gen g, const char *k, double v)
{
    json_key(g, k);
    if (!isfinite(v)) {
        yajl_gen_null(g);
        return;
    }
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.15g", v);
    yajl_gen_number(g, buf, (size_t)n);
}

void json_bool(yajl_gen g, const char *k, int v)
{
    json_key(g, k);
    yajl_gen_bool(g, v);
}

void json_time(yajl_gen g, const char *k, int64_t ms)
{
    json_key(g, k);
    if (!ms) {
        yajl_gen_null(g);
        return;
    }
    char t[TY_TIME_TEXT_MAX];
    size_t n = ty_time_format(ms, 0, 1, t);
    yajl_gen_string(g, (const unsigned char *)t, n);
}

/* ---- copying a parsed JSON text into a generator ---- */

static int e_null(void *g)
{
    return yajl_gen_null(g) == yajl_gen_status_ok;
}
static int e_bool(void *g, int b)
{
    return yajl_gen_bool(g, b) == yajl_gen_status_ok;
}
static int e_number(void *g, const char *s, size_t n)
{
    return yajl_gen_number(g, s, n) == yajl_gen_status_ok;
}
static int e_string(void *g, const unsigned char *s, size_t n)
{
    return yajl_gen_string(g, s, n) == yajl_gen_status_ok;
}
static int e_map_open(void *g)
{
    return yajl_gen_map_open(g) == yajl_gen_status_ok;
}
static int e_map_close(void *g)
{
    return yajl_gen_map_close(g) == yajl_gen_status_ok;
}
static int e_array_open(void *g)
{
    return yajl_gen_array_open(g) == yajl_gen_status_ok;
}
static int e_array_close(void *g)
{
    return yajl_gen_array_close(g) == yajl_gen_status_ok;
}

static const yajl_callbacks embed_cb = {
    e_null,     e_bool,   NULL,        NULL,         e_number,      e_string,
    e_map_open, e_string, e_map_close, e_array_open, e_array_close,
};

int json_embed(yajl_gen g, const char *json, size_t n)
{
    yajl_handle h = yajl_alloc(&embed_cb, NULL, g);
    if (!h)
        return 0;
    int ok = yajl_parse(h, (const unsigned char *)json, n) == yajl_status_ok &&
             yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    return ok;
}

/* ---- domain objects ---- */

void json_warning(yajl_gen g, const ty_warning *w, int full)
{
    const ty_level_info *li = ty_level_get(w->level);
    yajl_gen_map_open(g);
    json_int(g, "id", w->id);
    json_str(g, "level", li ? li->roman : NULL);
    json_str(g, "level_zh", li ? li->label_zh : NULL);
    json_str(g, "colour", li ? li->colour : NULL);
    json_str(g, "risk", ty_risk_name(w->risk));
    json_str(g, "state", ty_warning_state_name(w->state));
    json_bool(g, "silenced", w->silenced);
    json_str(g, "detector", w->detector);
    json_str(g, "entity_kind", w->entity_kind);
    json_str(g, "entity_id", w->entity_key);
    json_str(g, "platform", w->platform);
    json_str(g, "display_name", w->display_name);
    json_str(g, "group", w->group_key);
    json_time(g, "opened", w->opened);
    json_time(g, "updated", w->updated);
    json_time(g, "resolved", w->resolved);
    json_time(g, "first_event", w->first_event);
    json_time(g, "last_event", w->last_event);
    if (full) {
        json_str(g, "rule_version", w->rule_version);
        json_int(g, "severity", w->severity);
        json_num(g, "probability", w->probability);
        json_str(g, "band", ty_band_label(w->band));
        json_time(g, "clear_since", w->clear_since);
        json_int(g, "resolve_after_ms", w->resolve_after);
        json_int(g, "raises", w->raises);
        json_key(g, "previous");
        if (w->previous)
            yajl_gen_integer(g, w->previous);
        else
            yajl_gen_null(g);
        json_str(g, "acknowledged_by", w->acked_by);
        json_time(g, "acknowledged_at", w->acked_at);
        json_time(g, "silenced_until", w->silenced_until);
        json_str(g, "silenced_by", w->silenced_by);
        json_str(g, "silence_reason", w->silence_reason);
    }
    yajl_gen_map_close(g);
}

void json_warning_event(yajl_gen g, const ty_warning_event *ev)
{
    yajl_gen_map_open(g);
    json_str(g, "change", ty_warning_change_name(ev->change));
    json_time(g, "at", ev->at);
    json_time(g, "event_time", ev->event_time);
    json_str(g, "actor", ev->actor);
    json_str(g, "reason", ev->reason);
    const ty_level_info *from = ty_level_get(ev->level_from), *to = ty_level_get(ev->level_to);
    json_str(g, "level_from", from ? from->roman : NULL);
    json_str(g, "level_to", to ? to->roman : NULL);
    json_time(g, "until", ev->until);
    yajl_gen_map_close(g);
}

void json_principal(yajl_gen g, const ty_principal *p)
{
    yajl_gen_map_open(g);
    json_str(g, "role", ty_role_name(p->role));
    json_str(g, "name", p->name);
    json_str(g, "actor", p->actor);
    json_str(g, "platform", p->role == TY_ROLE_PLATFORM ? p->platform_code : NULL);
    yajl_gen_map_close(g);
}
