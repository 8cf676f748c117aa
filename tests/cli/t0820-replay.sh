#!/bin/sh
# t0820-replay: `tianyan detect --rules` and `tianyan replay` on simulated
# feeds: replaying under the rules that made the stored warnings changes
# nothing (the in-memory lifecycle agrees with the store's), replay never
# writes, a rules file that turns a detector off shows every warning of that
# detector as no longer raised, and a wrong rules file is refused with the key.
. "$TY_SOURCE/tests/cli/lib.sh"

"$TIANYAN" simulate --out feeds --seed 7 --days 21 > sim.out
expect_status "simulate" $? 0
DB=r.db
for f in feeds/*.jsonl; do
    p=$(basename "$f" .jsonl)
    [ "$p" = ground-truth ] && continue
    "$TIANYAN" platform --db $DB add "$p" > /dev/null
    "$TIANYAN" ingest --db $DB --platform "$p" "$f" > /dev/null
    expect_status "ingest $p" $? 0
done
"$TIANYAN" detect --db $DB > detect.out
expect_status "detect" $? 0
total=$(sql $DB "SELECT count(*) FROM warnings")
hist=$(sql $DB "SELECT count(*) FROM warning_history")
rate=$(sql $DB "SELECT count(DISTINCT detector || entity_kind || entity_key || platform) FROM warnings WHERE detector LIKE 'rate.%'")
rate_active=$(sql $DB "SELECT count(*) FROM warnings WHERE detector LIKE 'rate.%' AND state <> 'resolved'")
if [ "$rate" -gt 0 ]; then ok; else bad "the feed should raise rate warnings (got $rate)"; fi

# ---- the same rules: nothing changes ----
"$TIANYAN" replay --db $DB --json > same.json
expect_status "replay, same rules" $? 0
j() { sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2')"; }
expect_eq "valid JSON" "$(sqlite3 :memory: "SELECT json_valid(readfile('same.json'))")" 1
expect_eq "rules version" "$(j same.json '$.rules_version')" default-1
for k in new gone level only_replayed only_stored; do
    expect_eq "same rules: $k" "$(j same.json "\$.$k")" 0
done
expect_eq "same rules: rate ever" "$(j same.json '$.detectors.rate.replayed_ever')" "$rate"
expect_eq "same rules: rate stored ever" "$(j same.json '$.detectors.rate.stored_ever')" "$rate"
expect_eq "the store is unchanged" "$(sql $DB "SELECT count(*) FROM warnings")/$(sql $DB "SELECT count(*) FROM warning_history")" "$total/$hist"

# ---- a rules file with the rate detector off ----
cat > norate.json <<'JSON'
// rate detector off, everything else as shipped
{"version": "norate-1", "rate": {"enabled": false}}
JSON
"$TIANYAN" replay --db $DB --rules norate.json --json --limit 100000 > norate.json.out
expect_status "replay, rate off" $? 0
expect_eq "rules version" "$(j norate.json.out '$.rules_version')" norate-1
expect_eq "no rate warning replayed" "$(j norate.json.out '$.detectors.rate.replayed_ever')" 0
expect_eq "every stored rate warning listed" \
    "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('norate.json.out'), '\$.changes') WHERE value ->> 'detector' LIKE 'rate.%' AND value ->> 'change' IN ('gone', 'only_stored')")" "$rate"
expect_eq "active rate warnings would no longer stand" \
    "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('norate.json.out'), '\$.changes') WHERE value ->> 'change' = 'gone'")" "$rate_active"
"$TIANYAN" replay --db $DB --rules norate.json > norate.txt
expect_status "replay text" $? 0
expect_contains "text summary" norate.txt "under rules norate-1 (norate.json)"
expect_contains "text table" norate.txt "stored ever"

# ---- detect under a rules file writes that rule version ----
cp $DB d2.db
cp $DB.key d2.db.key
"$TIANYAN" detect --db d2.db --rules norate.json > /dev/null
expect_status "detect --rules" $? 0
n=$(sql d2.db "SELECT count(*) FROM warnings WHERE rule_version LIKE '%/norate-1'")
if [ "$n" -gt 0 ]; then ok; else bad "detect --rules: no warning carries the rules version"; fi

# ---- wrong rules files ----
printf '{"version": "x", "rate": {"window_dayz": 3}}' > bad1.json
"$TIANYAN" replay --db $DB --rules bad1.json > bad1.out 2> bad1.err
expect_status "unknown key" $? 1
expect_contains "unknown key named" bad1.err "tianyan replay: bad1.json: rate.window_dayz: unknown key"
printf '{"version": "x", "dispro": {"prr_min": 0.5}}' > bad2.json
"$TIANYAN" detect --db $DB --rules bad2.json > bad2.out 2> bad2.err
expect_status "out of range" $? 1
expect_contains "range named" bad2.err "dispro.prr_min: must be between 1 and 1000, got 0.5"
"$TIANYAN" replay --db $DB --rules missing.json > /dev/null 2> bad3.err
expect_status "missing file" $? 1
expect_contains "missing file named" bad3.err "missing.json"
finish
