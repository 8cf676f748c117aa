#!/bin/sh
# t0830-audit: the audit trail through the binary: platform add, ingest and
# reference import, acknowledging and silencing warnings each append an entry;
# `tianyan audit verify` passes on the untouched store and names the entry when
# a copy of the database is edited, has an entry deleted, two swapped or its
# tail cut (exit 4), and the triggers refuse plain edits.
. "$TY_SOURCE/tests/cli/lib.sh"
require_data cosing/eu-annex-iii.csv

FIXTURE="$(dirname "$TIANYAN")/tests/test_warnings"
DB=a.db
"$FIXTURE" --fixture $DB
expect_status "fixture" $? 0
"$TIANYAN" platform --db $DB add haitun > /dev/null
expect_status "platform add" $? 0
"$TIANYAN" simulate --out f --days 1 --platforms 1 > /dev/null
"$TIANYAN" ingest --db $DB --platform haitun f/haitun.jsonl > /dev/null
expect_status "ingest" $? 0
"$TIANYAN" ingest --db $DB --format cosing "$TY_SHARED_DATA/cosing/eu-annex-iii.csv" > /dev/null
expect_status "reference import" $? 0
"$TIANYAN" warnings ack --db $DB --actor analyst1 --note "on it" 1 > /dev/null
expect_status "ack" $? 0
"$TIANYAN" warnings silence --db $DB --actor analyst1 --reason "known supplier issue" --for 2h 4 > /dev/null 2> silence.err
expect_status "silence" $? 0

"$TIANYAN" audit --db $DB list --json > list.json
expect_status "list" $? 0
j() { sqlite3 :memory: "SELECT json_extract(readfile('list.json'), '$1')"; }
expect_eq "actions in order" \
    "$(sqlite3 :memory: "SELECT group_concat(value ->> 'action', ',') FROM json_each(readfile('list.json'), '\$.entries')")" \
    "platform.add,ingest.batch,reference.import,warning.ack,warning.silence"
expect_eq "ingest counts audited" "$(j '$.entries[1].object')" "platform:haitun"
accepted=$(sql $DB "SELECT count(*) FROM events")
expect_eq "ingest detail" "$(sqlite3 :memory: "SELECT json_extract(json_extract(readfile('list.json'), '\$.entries[1].detail'), '\$.accepted')")" "$accepted"
expect_eq "ack actor" "$(j '$.entries[3].actor')" analyst1
expect_eq "ack object" "$(j '$.entries[3].object')" "warning:1"
expect_eq "silence reason" "$(sqlite3 :memory: "SELECT json_extract(json_extract(readfile('list.json'), '\$.entries[4].detail'), '\$.reason')")" "known supplier issue"

"$TIANYAN" audit --db $DB verify > v.txt
expect_status "verify intact" $? 0
expect_contains "intact" v.txt "audit trail intact: 5 entries"

# plain edits are refused by the triggers
if sqlite3 $DB "UPDATE audit_log SET actor = 'x' WHERE seq = 1" 2> /dev/null; then
    bad "update was not refused"
else
    ok
fi

# tampered copies (the key file goes with each)
tampered() { # NAME SQL
    cp $DB "$1.db"
    cp $DB.key "$1.db.key"
    cp $DB.audit-head "$1.db.audit-head"
    sqlite3 "$1.db" "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; $2"
    "$TIANYAN" audit --db "$1.db" verify > "$1.out"
    echo $? > "$1.rc"
}
tampered edit "UPDATE audit_log SET detail = replace(detail, '\"accepted\":', '\"accepted\":1') WHERE seq = 2"
expect_eq "edit: exit" "$(cat edit.rc)" 4
expect_contains "edit named" edit.out "AUDIT TRAIL BROKEN at entry 2: entry 2 was altered"
tampered del "DELETE FROM audit_log WHERE seq = 3"
expect_eq "delete: exit" "$(cat del.rc)" 4
expect_contains "delete named" del.out "entry 4 follows entry 2: entries are missing"
tampered swap "UPDATE audit_log SET seq = -1 WHERE seq = 4; UPDATE audit_log SET seq = 4 WHERE seq = 5; UPDATE audit_log SET seq = 5 WHERE seq = -1"
expect_eq "swap: exit" "$(cat swap.rc)" 4
expect_contains "swap named" swap.out "entry 4 does not chain to entry 3"
tampered cut "DELETE FROM audit_log WHERE seq = 5"
expect_eq "cut: exit" "$(cat cut.rc)" 4
expect_contains "cut named" cut.out "the log ends at entry 4 but the head file says 5"
"$TIANYAN" audit --db swap.db verify --json > swap.json
expect_eq "json verdict" "$(sqlite3 :memory: "SELECT json_extract(readfile('swap.json'), '\$.ok') || ',' || json_extract(readfile('swap.json'), '\$.bad_seq')")" "0,4"
finish
