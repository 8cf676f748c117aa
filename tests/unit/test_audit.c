/*
 * test_audit.c - the hash-chained audit trail (audit.h): entries append in
 * order inside and outside transactions, a rolled-back entry leaves no trace,
 * bad input is refused with the field named, and verify catches every kind of
 * tampering with the database: an edited field, a deleted entry, two swapped
 * entries, a cut tail (through the head file), a recomputed-looking chain
 * without the key, and the triggers refuse plain updates and deletes.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tianyan/audit.h"
#include "tianyan/store.h"

static char dir[512];

static ty_store *open_store(const char *name)
{
    char db[700], err[512];
    snprintf(db, sizeof db, "%s/%s", dir, name);
    ty_store_opts o = {db, NULL, 16, 0};
    ty_store *st = NULL;
    ty_err e = ty_store_open(&st, &o, err, sizeof err);
    if (e != TY_OK)
        fprintf(stderr, "cannot open %s: %s\n", db, err);
    CHECK_INT(e, TY_OK);
    return st;
}

/* Runs SQL on the database file directly, as someone with write access to it
 * but not to the key file would. */
static void tamper(const char *name, const char *sql)
{
    char db[700];
    snprintf(db, sizeof db, "%s/%s", dir, name);
    sqlite3 *h;
    CHECK_INT(sqlite3_open(db, &h), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "tamper: %s\n", msg ? msg : "?");
    CHECK_INT(rc, SQLITE_OK);
    sqlite3_free(msg);
    sqlite3_close(h);
}

static const char *const drop_triggers = "DROP TRIGGER audit_log_no_update;"
                                         "DROP TRIGGER audit_log_no_delete;";

/* A store with five entries. */
static void fill(const char *name)
{
    ty_store *st = open_store(name);
    char err[256];
    int64_t seq = 0;
    for (int i = 1; i <= 5; i++) {
        char object[32], detail[64];
        snprintf(object, sizeof object, "key:%d", i);
        snprintf(detail, sizeof detail, "{\"platform\":\"haitun\",\"n\":%d}", i);
        CHECK_INT(
            ty_audit_append(st, "admin:alice", "key.issue", object, detail, &seq, err, sizeof err),
            TY_OK);
        CHECK_INT(seq, i);
    }
    ty_audit_report rep;
    CHECK_INT(ty_audit_verify(st, &rep), TY_OK);
    CHECK_INT(rep.ok, 1);
    CHECK_INT(rep.entries, 5);
    ty_store_close(&st);
}

static void verdict(const char *name, int64_t bad_seq, const char *reason)
{
    ty_store *st = open_store(name);
    ty_audit_report rep;
    CHECK_INT(ty_audit_verify(st, &rep), TY_OK);
    CHECK_INT(rep.ok, 0);
    CHECK_INT(rep.bad_seq, bad_seq);
    CHECK_CONTAINS(rep.reason, reason);
    ty_store_close(&st);
}

typedef struct seen {
    int n;
    char last_action[64];
} seen;

static ty_err count_entry(void *ctx, const ty_audit_entry *e)
{
    seen *s = ctx;
    s->n++;
    snprintf(s->last_action, sizeof s->last_action, "%s", e->action);
    CHECK_INT(strlen(e->mac), 64);
    return TY_OK;
}

static void test_append_and_list(void)
{
    ty_store *st = open_store("a.db");
    char err[256];
    int64_t seq;
    CHECK_INT(
        ty_audit_append(st, "cli", "platform.add", "platform:haitun", NULL, &seq, err, sizeof err),
        TY_OK);
    CHECK_INT(seq, 1);
    /* inside a transaction that commits */
    CHECK_INT(ty_store_begin(st), TY_OK);
    CHECK_INT(ty_audit_append(st, "analyst:bo", "warning.ack", "warning:7", "{\"note\":\"seen\"}",
                              &seq, err, sizeof err),
              TY_OK);
    CHECK_INT(seq, 2);
    CHECK_INT(ty_store_commit(st), TY_OK);
    /* inside one that rolls back: no trace, and the next entry takes its place */
    CHECK_INT(ty_store_begin(st), TY_OK);
    CHECK_INT(ty_audit_append(st, "analyst:bo", "warning.silence", "warning:7", NULL, &seq, err,
                              sizeof err),
              TY_OK);
    ty_store_rollback(st);
    CHECK_INT(ty_audit_append(st, "analyst:bo", "warning.unsilence", "warning:7", "", &seq, err,
                              sizeof err),
              TY_OK);
    CHECK_INT(seq, 3);
    seen s = {0, ""};
    CHECK_INT(ty_audit_list(st, 0, 0, count_entry, &s), TY_OK);
    CHECK_INT(s.n, 3);
    CHECK_STR(s.last_action, "warning.unsilence");
    s.n = 0;
    CHECK_INT(ty_audit_list(st, 1, 1, count_entry, &s), TY_OK);
    CHECK_INT(s.n, 1);
    CHECK_STR(s.last_action, "warning.ack");
    /* bad input, each named */
    CHECK_INT(ty_audit_append(st, "", "x", NULL, NULL, NULL, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "audit actor");
    CHECK_INT(ty_audit_append(st, "cli", "bad\naction", NULL, NULL, NULL, err, sizeof err),
              TY_EINVAL);
    CHECK_CONTAINS(err, "audit action");
    CHECK_INT(ty_audit_append(st, "cli", "x", NULL, "[1,2]", NULL, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "audit detail: not a JSON object");
    CHECK_INT(ty_audit_append(st, "cli", "x", NULL, "{\"a\":", NULL, err, sizeof err), TY_EINVAL);
    char big[TY_AUDIT_OBJECT_MAX + 2];
    memset(big, 'o', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_INT(ty_audit_append(st, "cli", "x", big, NULL, NULL, err, sizeof err), TY_EINVAL);
    CHECK_CONTAINS(err, "audit object");
    ty_audit_report rep;
    CHECK_INT(ty_audit_verify(st, &rep), TY_OK);
    CHECK_INT(rep.ok, 1);
    CHECK_INT(rep.entries, 3);
    ty_store_close(&st);
    /* the triggers refuse ordinary changes */
    char db[700];
    snprintf(db, sizeof db, "%s/a.db", dir);
    sqlite3 *h;
    CHECK_INT(sqlite3_open(db, &h), SQLITE_OK);
    CHECK(sqlite3_exec(h, "UPDATE audit_log SET actor = 'x'", NULL, NULL, NULL) != SQLITE_OK);
    CHECK(sqlite3_exec(h, "DELETE FROM audit_log", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(h);
}

static void test_tampering(void)
{
    /* an edited field */
    fill("edit.db");
    tamper("edit.db", drop_triggers);
    tamper("edit.db", "UPDATE audit_log SET object = 'key:99' WHERE seq = 3");
    verdict("edit.db", 3, "entry 3 was altered");
    /* an edited time */
    fill("time.db");
    tamper("time.db", drop_triggers);
    tamper("time.db", "UPDATE audit_log SET at = at + 1 WHERE seq = 2");
    verdict("time.db", 2, "entry 2 was altered");
    /* a deleted entry */
    fill("del.db");
    tamper("del.db", drop_triggers);
    tamper("del.db", "DELETE FROM audit_log WHERE seq = 2");
    verdict("del.db", 3, "entries are missing");
    /* two entries swapped (their contents exchanged, seqs kept) */
    fill("swap.db");
    tamper("swap.db", drop_triggers);
    tamper("swap.db", "UPDATE audit_log SET seq = -2 WHERE seq = 2;"
                      "UPDATE audit_log SET seq = 2 WHERE seq = 4;"
                      "UPDATE audit_log SET seq = 4 WHERE seq = -2;");
    verdict("swap.db", 2, "entry 2 does not chain to entry 1");
    /* the last entry cut off: the head file still says 5 */
    fill("cut.db");
    tamper("cut.db", drop_triggers);
    tamper("cut.db", "DELETE FROM audit_log WHERE seq = 5");
    verdict("cut.db", 5, "the log ends at entry 4 but the head file says 5");
    /* a forged entry whose prev is right but whose MAC was made without the key */
    fill("forge.db");
    tamper("forge.db", drop_triggers);
    tamper("forge.db", "INSERT INTO audit_log(seq, at, actor, action, object, detail, prev, mac) "
                       "SELECT 6, at, 'admin:mallory', 'key.issue', 'key:6', '', mac, "
                       "lower(hex(randomblob(32))) FROM audit_log WHERE seq = 5");
    verdict("forge.db", 6, "entry 6 was altered");
    /* an untouched store verifies after reopening */
    fill("ok.db");
    ty_store *st = open_store("ok.db");
    ty_audit_report rep;
    CHECK_INT(ty_audit_verify(st, &rep), TY_OK);
    CHECK_INT(rep.ok, 1);
    CHECK_INT(rep.entries, 5);
    ty_store_close(&st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "%s/test_audit.%d", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    if (system(cmd) != 0)
        return 1;
    test_append_and_list();
    test_tampering();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
    return check_done("test_audit");
}
