/*
 * audit.c - the hash-chained audit trail (audit.h): append, list, verify, and
 * the head file written after each commit that added entries.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "store_impl.h"
#include "tianyan/audit.h"
#include "tianyan/timeutil.h"

#define MAC_BYTES 32

/* K: the audit key, derived from the store's secret (the key file). */
static void audit_key(const ty_store *st, unsigned char k[MAC_BYTES])
{
    static const char label[] = "tianyan audit log v1";
    crypto_generichash(k, MAC_BYTES, (const unsigned char *)label, sizeof label - 1, st->secret,
                       sizeof st->secret);
}

static void put64(crypto_generichash_state *h, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    crypto_generichash_update(h, b, 8);
}

static void put_text(crypto_generichash_state *h, const char *s)
{
    size_t n = strlen(s);
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)((uint32_t)n >> (8 * i));
    crypto_generichash_update(h, b, 4);
    crypto_generichash_update(h, (const unsigned char *)s, n);
}

static void entry_mac(const ty_store *st, const unsigned char prev[MAC_BYTES], int64_t seq,
                      int64_t at, const char *actor, const char *action, const char *object,
                      const char *detail, unsigned char out[MAC_BYTES])
{
    unsigned char k[MAC_BYTES];
    audit_key(st, k);
    crypto_generichash_state h;
    crypto_generichash_init(&h, k, sizeof k, MAC_BYTES);
    crypto_generichash_update(&h, prev, MAC_BYTES);
    put64(&h, seq);
    put64(&h, at);
    put_text(&h, actor);
    put_text(&h, action);
    put_text(&h, object);
    put_text(&h, detail);
    crypto_generichash_final(&h, out, MAC_BYTES);
    sodium_memzero(k, sizeof k);
}

static void hex(const unsigned char *b, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

static int unhex(const char *s, unsigned char out[MAC_BYTES])
{
    size_t n;
    return s && strlen(s) == 2 * MAC_BYTES &&
           sodium_hex2bin(out, MAC_BYTES, s, 2 * MAC_BYTES, NULL, &n, NULL) == 0 && n == MAC_BYTES;
}

/* A name or text: valid UTF-8 is the caller's contract; here its length and
 * the absence of control characters. */
static int text_ok(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static ty_err check_entry(const char *actor, const char *action, const char *object,
                          const char *detail, char *err, size_t errn)
{
    if (!text_ok(actor, 1, TY_AUDIT_NAME_MAX)) {
        snprintf(err, errn, "audit actor: 1 to %d characters, no control characters",
                 TY_AUDIT_NAME_MAX);
        return TY_EINVAL;
    }
    if (!text_ok(action, 1, TY_AUDIT_NAME_MAX)) {
        snprintf(err, errn, "audit action: 1 to %d characters, no control characters",
                 TY_AUDIT_NAME_MAX);
        return TY_EINVAL;
    }
    if (!text_ok(object, 0, TY_AUDIT_OBJECT_MAX)) {
        snprintf(err, errn, "audit object: at most %d characters, no control characters",
                 TY_AUDIT_OBJECT_MAX);
        return TY_EINVAL;
    }
    if (detail && *detail) {
        if (strlen(detail) > TY_AUDIT_DETAIL_MAX) {
            snprintf(err, errn, "audit detail: longer than %d bytes", TY_AUDIT_DETAIL_MAX);
            return TY_EINVAL;
        }
        char perr[128];
        yajl_val v = yajl_tree_parse(detail, perr, sizeof perr);
        int obj = v && YAJL_IS_OBJECT(v);
        yajl_tree_free(v);
        if (!obj) {
            snprintf(err, errn, "audit detail: not a JSON object");
            return TY_EINVAL;
        }
    }
    return TY_OK;
}

/* The last entry's seq and mac (0 and zeros when the log is empty). */
static ty_err last_entry(ty_store *st, int64_t *seq, unsigned char mac[MAC_BYTES])
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db, "SELECT seq, mac FROM audit_log ORDER BY seq DESC LIMIT 1",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    *seq = 0;
    memset(mac, 0, MAC_BYTES);
    ty_err e = TY_OK;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(s, 0);
        if (!unhex((const char *)sqlite3_column_text(s, 1), mac))
            e = TY_ESTORE; /* verify says more */
    } else if (rc != SQLITE_DONE) {
        e = store_err(rc);
    }
    sqlite3_finalize(s);
    return e;
}

static ty_err insert(ty_store *st, const char *actor, const char *action, const char *object,
                     const char *detail, int64_t *out_seq)
{
    int64_t last = 0;
    unsigned char prev[MAC_BYTES], mac[MAC_BYTES];
    TY_TRY(last_entry(st, &last, prev));
    int64_t seq = last + 1, at = ty_now_ms();
    entry_mac(st, prev, seq, at, actor, action, object, detail, mac);
    char prevhex[2 * MAC_BYTES + 1], machex[2 * MAC_BYTES + 1];
    hex(prev, MAC_BYTES, prevhex);
    hex(mac, MAC_BYTES, machex);
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO audit_log(seq, at, actor, action, object, detail, "
                                "prev, mac) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int64(s, 2, at);
    sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, object, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, prevhex, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, machex, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_err(rc);
    st->audit_pending = seq;
    memcpy(st->audit_pending_mac, mac, MAC_BYTES);
    if (out_seq)
        *out_seq = seq;
    return TY_OK;
}

ty_err ty_audit_append(ty_store *st, const char *actor, const char *action, const char *object,
                       const char *detail, int64_t *seq, char *err, size_t errn)
{
    char dummy[1];
    if (!err || !errn)
        err = dummy, errn = sizeof dummy;
    err[0] = '\0';
    if (!object)
        object = "";
    if (!detail)
        detail = "";
    TY_TRY(check_entry(actor, action, object, detail, err, errn));
    if (st->in_txn) {
        int rc = sqlite3_exec(st->db, "SAVEPOINT ty_audit", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return store_err(rc);
        ty_err e = insert(st, actor, action, object, detail, seq);
        if (e != TY_OK)
            sqlite3_exec(st->db, "ROLLBACK TO ty_audit", NULL, NULL, NULL);
        rc = sqlite3_exec(st->db, "RELEASE ty_audit", NULL, NULL, NULL);
        if (e != TY_OK)
            snprintf(err, errn, "audit: %s", sqlite3_errmsg(st->db));
        return e != TY_OK ? e : store_err(rc);
    }
    TY_TRY(ty_store_begin(st));
    ty_err e = insert(st, actor, action, object, detail, seq);
    if (e != TY_OK) {
        snprintf(err, errn, "audit: %s", sqlite3_errmsg(st->db));
        ty_store_rollback(st);
        return e;
    }
    return ty_store_commit(st);
}

static void detail_sink(void *ctx, const char *s, size_t n)
{
    ty_buf_append(ctx, s, n);
}

ty_err ty_audit_append_fields(ty_store *st, const char *actor, const char *action,
                              const char *object, const ty_audit_field *f, size_t nf, int64_t *seq,
                              char *err, size_t errn)
{
    ty_buf b;
    ty_buf_init(&b, TY_AUDIT_DETAIL_MAX + 1);
    yajl_gen g = yajl_gen_alloc(NULL);
    if (!g)
        return TY_ENOMEM;
    yajl_gen_config(g, yajl_gen_print_callback, detail_sink, &b);
    yajl_gen_map_open(g);
    for (size_t i = 0; i < nf; i++) {
        yajl_gen_string(g, (const unsigned char *)f[i].key, strlen(f[i].key));
        if (f[i].text)
            yajl_gen_string(g, (const unsigned char *)f[i].text, strlen(f[i].text));
        else
            yajl_gen_integer(g, f[i].num);
    }
    yajl_gen_map_close(g);
    yajl_gen_free(g);
    ty_err e = ty_buf_putc(&b, '\0');
    if (e == TY_OK)
        e = ty_audit_append(st, actor, action, object, b.data, seq, err, errn);
    else if (err && errn)
        snprintf(err, errn, "audit detail: longer than %d bytes", TY_AUDIT_DETAIL_MAX);
    ty_buf_free(&b);
    return e;
}

void store_audit_committed(ty_store *st)
{
    if (!st->audit_pending || !st->audit_head_path)
        return;
    char tmp[4200], line[128], machex[2 * MAC_BYTES + 1];
    hex(st->audit_pending_mac, MAC_BYTES, machex);
    int n = snprintf(line, sizeof line, "%lld %s\n", (long long)st->audit_pending, machex);
    /* a name of this process: two processes committing at once never share a file */
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", st->audit_head_path, (long)getpid());
    st->audit_pending = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return; /* verify then cannot catch a cut tail: it says the head file is missing */
    int ok = write(fd, line, (size_t)n) == n;
    ok = close(fd) == 0 && ok;
    if (ok)
        rename(tmp, st->audit_head_path);
    else
        unlink(tmp);
}

ty_err ty_audit_list(ty_store *st, int64_t after, size_t limit,
                     ty_err (*fn)(void *ctx, const ty_audit_entry *e), void *ctx)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT seq, at, actor, action, object, detail, mac FROM audit_log "
                                "WHERE seq > ? ORDER BY seq LIMIT ?",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, limit ? (int64_t)limit : -1);
    ty_err e = TY_OK;
    while (e == TY_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        ty_audit_entry en = {sqlite3_column_int64(s, 0),
                             sqlite3_column_int64(s, 1),
                             (const char *)sqlite3_column_text(s, 2),
                             (const char *)sqlite3_column_text(s, 3),
                             (const char *)sqlite3_column_text(s, 4),
                             (const char *)sqlite3_column_text(s, 5),
                             (const char *)sqlite3_column_text(s, 6)};
        e = fn(ctx, &en);
    }
    sqlite3_finalize(s);
    if (e != TY_OK)
        return e;
    return rc == SQLITE_DONE ? TY_OK : store_err(rc);
}

static void bad(ty_audit_report *rep, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bad(ty_audit_report *rep, int64_t seq, const char *fmt, ...)
{
    rep->ok = 0;
    rep->bad_seq = seq;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->reason, sizeof rep->reason, fmt, ap);
    va_end(ap);
}

/* The head file's (seq, mac); 0 when there is none. */
static int read_head(const ty_store *st, int64_t *seq, char *mac, size_t macn)
{
    FILE *f = st->audit_head_path ? fopen(st->audit_head_path, "r") : NULL;
    if (!f)
        return 0;
    long long q;
    char m[80];
    int ok = fscanf(f, "%lld %79s", &q, m) == 2;
    fclose(f);
    if (!ok)
        return -1;
    *seq = q;
    snprintf(mac, macn, "%s", m);
    return 1;
}

ty_err ty_audit_verify(ty_store *st, ty_audit_report *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->ok = 1;
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(
        st->db,
        "SELECT seq, at, actor, action, object, detail, prev, mac FROM audit_log ORDER BY seq", -1,
        &s, NULL);
    if (rc != SQLITE_OK)
        return store_err(rc);
    unsigned char prev[MAC_BYTES] = {0}, mac[MAC_BYTES], stored[MAC_BYTES], sprev[MAC_BYTES];
    int64_t expect = 1;
    char head_mac[80] = "", last_mac[2 * MAC_BYTES + 1] = "";
    while (rep->ok && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0), at = sqlite3_column_int64(s, 1);
        const char *actor = (const char *)sqlite3_column_text(s, 2);
        const char *action = (const char *)sqlite3_column_text(s, 3);
        const char *object = (const char *)sqlite3_column_text(s, 4);
        const char *detail = (const char *)sqlite3_column_text(s, 5);
        const char *prevhex = (const char *)sqlite3_column_text(s, 6);
        const char *machex = (const char *)sqlite3_column_text(s, 7);
        rep->entries++;
        if (seq != expect) {
            if (seq > expect)
                bad(rep, seq, "entry %lld follows entry %lld: entries are missing", (long long)seq,
                    (long long)expect - 1);
            else
                bad(rep, seq, "entry %lld is out of order after %lld", (long long)seq,
                    (long long)expect - 1);
            break;
        }
        if (!actor || !action || !object || !detail || !unhex(prevhex, sprev) ||
            !unhex(machex, stored)) {
            bad(rep, seq, "entry %lld is malformed", (long long)seq);
            break;
        }
        if (sodium_memcmp(sprev, prev, MAC_BYTES) != 0) {
            bad(rep, seq, "entry %lld does not chain to entry %lld", (long long)seq,
                (long long)seq - 1);
            break;
        }
        entry_mac(st, prev, seq, at, actor, action, object, detail, mac);
        if (sodium_memcmp(mac, stored, MAC_BYTES) != 0) {
            bad(rep, seq, "entry %lld was altered (its MAC does not match its content)",
                (long long)seq);
            break;
        }
        memcpy(prev, stored, MAC_BYTES);
        hex(stored, MAC_BYTES, last_mac);
        expect++;
    }
    sqlite3_finalize(s);
    if (rep->ok && rc != SQLITE_DONE)
        return store_err(rc);
    if (!rep->ok)
        return TY_OK;
    int64_t hseq = 0;
    int h = read_head(st, &hseq, head_mac, sizeof head_mac);
    if (h < 0) {
        bad(rep, 0, "the head file is unreadable");
    } else if (h > 0 && hseq > rep->entries) {
        bad(rep, rep->entries + 1, "the log ends at entry %lld but the head file says %lld",
            (long long)rep->entries, (long long)hseq);
    } else if (h > 0 && hseq == rep->entries && strcmp(head_mac, last_mac) != 0) {
        bad(rep, hseq, "entry %lld differs from the head file", (long long)hseq);
    }
    return TY_OK;
}
