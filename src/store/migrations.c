/*
 * migrations.c - the store's schema, as an ordered list of migrations.
 *
 * PRAGMA user_version holds how many have been applied. Each migration runs in
 * its own transaction together with the user_version bump, so a crash leaves
 * the database at one version or the next, never between. Never edit a
 * migration that has shipped: add a new one.
 */
#include <stdio.h>

#include "migrations.h"

static const char *const migrations[] = {
    /* 1: platforms, events, batches, rejects, product and merchant versions */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE platforms("
    "  id INTEGER PRIMARY KEY,"
    "  code TEXT NOT NULL UNIQUE,"
    "  name TEXT,"
    "  created INTEGER NOT NULL);"
    /* One row per accepted event. seq is the arrival order, assigned by the
     * writer. There is deliberately no secondary index: one keyed by the
     * platform's id would make every insert a random B-tree write (see
     * store.h); the duplicate index lives in memory and in a snapshot file. */
    "CREATE TABLE events("
    "  seq INTEGER PRIMARY KEY,"
    "  platform INTEGER NOT NULL,"
    "  type INTEGER NOT NULL,"
    "  key_hash INTEGER NOT NULL,"
    "  ts INTEGER NOT NULL,"       /* event time, ms since epoch UTC */
    "  tz INTEGER NOT NULL,"       /* sender's offset, minutes east of UTC */
    "  received INTEGER NOT NULL," /* ms since epoch UTC */
    "  batch INTEGER NOT NULL,"
    "  rid TEXT NOT NULL," /* platform-chosen id */
    "  sku TEXT,"
    "  merchant TEXT,"
    "  body TEXT NOT NULL);" /* canonical JSON */
    "CREATE TABLE ingest_batches("
    "  id INTEGER PRIMARY KEY,"
    "  platform INTEGER NOT NULL,"
    "  source TEXT NOT NULL,"
    "  started INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL,"
    "  accepted INTEGER NOT NULL DEFAULT 0,"
    "  duplicate INTEGER NOT NULL DEFAULT 0,"
    "  rejected INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE ingest_rejects("
    "  batch INTEGER NOT NULL,"
    "  line INTEGER NOT NULL,"
    "  class TEXT NOT NULL,"
    "  field TEXT NOT NULL,"
    "  message TEXT NOT NULL);"
    "CREATE INDEX ingest_rejects_batch ON ingest_rejects(batch);"
    /* Current state of each product and merchant, and every version received. */
    "CREATE TABLE products("
    "  platform INTEGER NOT NULL, sku TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,"
    "  brand TEXT, title TEXT, origin TEXT, merchant TEXT,"
    "  PRIMARY KEY(platform, sku)) WITHOUT ROWID;"
    "CREATE TABLE product_versions("
    "  platform INTEGER NOT NULL, sku TEXT NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL,"
    "  PRIMARY KEY(platform, sku, ts, seq)) WITHOUT ROWID;"
    "CREATE TABLE merchants("
    "  platform INTEGER NOT NULL, merchant TEXT NOT NULL, seq INTEGER NOT NULL,"
    "  ts INTEGER NOT NULL, name TEXT, country TEXT,"
    "  PRIMARY KEY(platform, merchant)) WITHOUT ROWID;"
    "CREATE TABLE merchant_versions("
    "  platform INTEGER NOT NULL, merchant TEXT NOT NULL, ts INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY(platform, merchant, ts, seq)) WITHOUT ROWID;",

    /* 2: reference tables from public regulatory data (reference.h). CosIng rows
     * have no unique natural key (group entries are split over rows), so a row is
     * identified by the hash of its content. */
    "CREATE TABLE ref_substances("
    "  id INTEGER PRIMARY KEY,"
    "  annex TEXT NOT NULL,"  /* 'II' prohibited, 'III' restricted */
    "  ref_no TEXT NOT NULL," /* entry number in the annex */
    "  name TEXT NOT NULL,"   /* substance identification name */
    "  group_name TEXT,"      /* the 'Nom' column: the entry's chemical/INN name(s) */
    "  cas TEXT, ec TEXT, formula TEXT,"
    "  product_types TEXT, max_conc TEXT, min_conc TEXT, restrictions TEXT,"
    "  qualifiers TEXT, expressed_as TEXT, warnings TEXT, functions TEXT, notes TEXT,"
    "  row_hash TEXT NOT NULL UNIQUE,"
    "  imported INTEGER NOT NULL);"
    "CREATE INDEX ref_substances_name ON ref_substances(name COLLATE NOCASE);"
    /* exact look-up by CAS or EC number (one row per number; cells may list several) */
    "CREATE TABLE ref_substance_ids("
    "  kind TEXT NOT NULL, value TEXT NOT NULL, substance INTEGER NOT NULL,"
    "  PRIMARY KEY(kind, value, substance)) WITHOUT ROWID;"
    "CREATE TABLE ref_alerts("
    "  alert_number TEXT PRIMARY KEY,"
    "  product_name TEXT, category TEXT, brand TEXT, description TEXT, alert_type TEXT,"
    "  origin_country TEXT, risk_type TEXT, risk_description TEXT, measures TEXT,"
    "  notifying_country TEXT, recall_code TEXT, production_dates TEXT,"
    "  row_hash TEXT NOT NULL,"
    "  imported INTEGER NOT NULL);",

    /* 3: CosIng rows name two substances: the annex entry ("Name", with its "CAS" and
     * "EC Number", kept in name/cas/ec) and the compound the row lists under it ("Nom",
     * kept in group_name, with its own "CAS No." and "EC No.", kept here). "Nom" may
     * hold ";"-separated synonyms ("(R)-p-Mentha-1,8-diene;d-Limonene", "...;CI 42520");
     * ref_substance_names holds every name a row can be found by, one per row, for
     * exact look-ups (NOCASE: ASCII case is ignored). */
    "ALTER TABLE ref_substances ADD COLUMN group_cas TEXT;"
    "ALTER TABLE ref_substances ADD COLUMN group_ec TEXT;"
    "CREATE TABLE ref_substance_names("
    "  name TEXT NOT NULL COLLATE NOCASE, substance INTEGER NOT NULL,"
    "  PRIMARY KEY(name, substance)) WITHOUT ROWID;",

    /* 4: early warnings and their history (warning.h, src/store/warnings.c). Times
     * named opened/updated/resolved/first_event/last_event/clear_since/resolve_due
     * are EVENT time; acked_at, silenced_until and history.at are wall clock; all
     * ms since the epoch, UTC. platform is '' for a warning not tied to one
     * platform, never NULL: NULLs are distinct in a UNIQUE index, and the partial
     * index below is what keeps one active warning per key. */
    "CREATE TABLE warnings("
    "  id INTEGER PRIMARY KEY,"
    "  detector TEXT NOT NULL,"
    "  rule_version TEXT NOT NULL,"
    "  entity_kind TEXT NOT NULL,"
    "  entity_key TEXT NOT NULL,"
    "  platform TEXT NOT NULL DEFAULT '',"
    "  display_name TEXT,"
    "  group_key TEXT,"
    "  level INTEGER NOT NULL CHECK(level BETWEEN 1 AND 4)," /* I..IV */
    "  severity INTEGER NOT NULL CHECK(severity BETWEEN 1 AND 4),"
    "  probability REAL NOT NULL,"
    "  band INTEGER NOT NULL CHECK(band BETWEEN 0 AND 7)," /* risk.h ty_prob_band */
    "  risk TEXT NOT NULL CHECK(risk IN ('low', 'medium', 'high', 'serious')),"
    "  state TEXT NOT NULL CHECK(state IN ('open', 'acknowledged', 'resolved')),"
    "  acked_by TEXT, acked_at INTEGER,"
    "  silenced_until INTEGER, silenced_by TEXT, silence_reason TEXT,"
    "  first_event INTEGER NOT NULL, last_event INTEGER NOT NULL,"
    "  opened INTEGER NOT NULL, updated INTEGER NOT NULL, resolved INTEGER,"
    "  clear_since INTEGER," /* the condition has been clear since; NULL while it holds */
    "  resolve_due INTEGER," /* clear_since + resolve_after while clear and unresolved */
    "  resolve_after INTEGER NOT NULL,"
    "  raises INTEGER NOT NULL DEFAULT 1,"
    "  previous INTEGER," /* the resolved warning of the same key before this one */
    "  explanation TEXT NOT NULL);"
    "CREATE UNIQUE INDEX warnings_active ON warnings(detector, entity_kind, entity_key, "
    "  platform) WHERE state <> 'resolved';"
    "CREATE INDEX warnings_entity ON warnings(entity_kind, entity_key, platform, detector);"
    "CREATE INDEX warnings_group ON warnings(group_key) WHERE group_key IS NOT NULL;"
    "CREATE INDEX warnings_due ON warnings(resolve_due) WHERE resolve_due IS NOT NULL;"
    "CREATE INDEX warnings_order ON warnings(level, updated DESC, id DESC);"
    "CREATE TABLE warning_history("
    "  id INTEGER PRIMARY KEY,"
    "  warning INTEGER NOT NULL,"
    "  change TEXT NOT NULL CHECK(change IN ('opened', 'updated', 'escalated', 'de-escalated', "
    "    'cleared', 'acknowledged', 'silenced', 'unsilenced', 'resolved', 'reopened')),"
    "  at INTEGER NOT NULL," /* wall clock when recorded */
    "  event_time INTEGER,"  /* event time that drove an engine change; NULL for people's */
    "  actor TEXT NOT NULL,"
    "  reason TEXT,"
    "  level_from INTEGER, level_to INTEGER,"
    "  until INTEGER);" /* silenced: until when (wall clock) */
    "CREATE INDEX warning_history_warning ON warning_history(warning, id);"
    /* The history is an audit trail: rows are only ever added. A later migration
     * may drop these triggers for a retention policy, on purpose and visibly. */
    "CREATE TRIGGER warning_history_no_update BEFORE UPDATE ON warning_history "
    "BEGIN SELECT RAISE(ABORT, 'warning_history is append-only'); END;"
    "CREATE TRIGGER warning_history_no_delete BEFORE DELETE ON warning_history "
    "BEGIN SELECT RAISE(ABORT, 'warning_history is append-only'); END;",

    /* 5: the audit trail (audit.c) and who may do what (auth.c) */
    "CREATE TABLE audit_log("
    "  seq INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL," /* wall clock, ms */
    "  actor TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, detail TEXT NOT NULL,"
    "  prev TEXT NOT NULL," /* mac of the entry before (hex) */
    "  mac TEXT NOT NULL);"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;"
    "CREATE TABLE users("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  role TEXT NOT NULL CHECK(role IN ('admin', 'analyst', 'expert', 'inspector', "
    "    'platform')),"
    "  platform INTEGER REFERENCES platforms(id)," /* role platform only */
    "  pwhash TEXT NOT NULL,"                      /* argon2id, libsodium's string form */
    "  created INTEGER NOT NULL, disabled INTEGER);"
    "CREATE TABLE api_keys("
    "  id INTEGER PRIMARY KEY,"
    "  platform INTEGER NOT NULL REFERENCES platforms(id),"
    "  prefix TEXT NOT NULL UNIQUE," /* shown in lists; finds the key */
    "  hash TEXT NOT NULL,"          /* keyed BLAKE2b of the whole key (hex) */
    "  label TEXT NOT NULL DEFAULT '',"
    "  created INTEGER NOT NULL, created_by TEXT NOT NULL,"
    "  revoked INTEGER, revoked_by TEXT);"
    "CREATE TABLE sessions("
    "  id INTEGER PRIMARY KEY,"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  user INTEGER NOT NULL REFERENCES users(id),"
    "  csrf_hash TEXT NOT NULL,"
    "  created INTEGER NOT NULL, expires INTEGER NOT NULL, ended INTEGER);",
};

int store_migration_count(void)
{
    return (int)(sizeof migrations / sizeof migrations[0]);
}

const char *store_migration(int i)
{
    return migrations[i];
}
