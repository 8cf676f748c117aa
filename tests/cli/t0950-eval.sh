#!/bin/sh
# t0950-eval: the engine against the simulator's ground truth on one 30-day
# seed with the public reference data imported (scripts/eval runs three): every
# injected incident is found, at most 1 false warning per 10,000 entity-days,
# and the banned ingredient is found within the day its listing appears. The
# simulator is deterministic, so these figures are the same on every run.
. "$TY_SOURCE/tests/cli/lib.sh"
require_data cosing/eu-annex-ii.csv
require_data safety-gate/safety_gate_cosmetics.csv

"$TIANYAN" simulate --out feeds --seed 2 --days 30 > /dev/null
expect_status "simulate" $? 0
DB=e.db
for f in feeds/*.jsonl; do
    p=$(basename "$f" .jsonl)
    [ "$p" = ground-truth ] && continue
    "$TIANYAN" platform --db $DB add "$p" > /dev/null
    "$TIANYAN" ingest --db $DB --platform "$p" "$f" > /dev/null
done
"$TIANYAN" ingest --db $DB --format cosing "$TY_SHARED_DATA/cosing/eu-annex-ii.csv" > /dev/null
"$TIANYAN" ingest --db $DB --format cosing "$TY_SHARED_DATA/cosing/eu-annex-iii.csv" > /dev/null
"$TIANYAN" ingest --db $DB --format safety-gate "$TY_SHARED_DATA/safety-gate/safety_gate_cosmetics.csv" > /dev/null
before=$(sql $DB "SELECT count(*) FROM warnings")

"$TIANYAN" eval --db $DB --truth feeds/ground-truth.jsonl --json > eval.json
expect_status "eval" $? 0
j() { sqlite3 :memory: "SELECT json_extract(readfile('eval.json'), '$1')"; }
expect_eq "valid JSON" "$(sqlite3 :memory: "SELECT json_valid(readfile('eval.json'))")" 1
expect_eq "incidents" "$(j '$.incidents')" 5
expect_eq "found" "$(j '$.found')" 5
ok_false=$(sqlite3 :memory: "SELECT json_extract(readfile('eval.json'), '\$.false_per_10k') <= 1.0")
expect_eq "false warnings per 10,000 entity-days <= 1 (got $(j '$.false_per_10k'))" "$ok_false" 1
ok_delay=$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('eval.json'), '\$.per_incident') WHERE value ->> 'kind' = 'banned_ingredient' AND value ->> 'delay_h' < 24")
expect_eq "banned ingredient found within a day" "$ok_delay" 1
expect_eq "eval writes no warning" "$(sql $DB "SELECT count(*) FROM warnings")" "$before"
finish
