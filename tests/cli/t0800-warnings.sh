#!/bin/sh
# t0800-warnings: `tianyan warnings` and `tianyan explain` against a store whose
# warnings were written through the library (test_warnings --fixture, which
# raises, escalates, clears and resolves them with fixed event times): the JSON
# listing and its filters and paging, the text table (colours only on a
# terminal), explanations and history, and ack / silence / unsilence with their
# errors and history rows.
. "$TY_SOURCE/tests/cli/lib.sh"

FIXTURE="$(dirname "$TIANYAN")/tests/test_warnings"
if [ ! -x "$FIXTURE" ]; then
    echo "FAIL: $FIXTURE (the fixture writer) is not built" >&2
    exit 1
fi
DB=w.db
"$FIXTURE" --fixture $DB
expect_status "fixture" $? 0

# jq-free JSON reading with the sqlite3 CLI: j FILE PATH
j() { sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2')"; }
# ids of a listing, comma-separated
ids() { sqlite3 :memory: "SELECT group_concat(value ->> 'id') FROM json_each(readfile('$1'), '\$.warnings')"; }

# ---- listing, JSON ----
"$TIANYAN" warnings --db $DB --json > l1.json 2> l1.err
expect_status "list json" $? 0
expect_eq "valid JSON" "$(sqlite3 :memory: "SELECT json_valid(readfile('l1.json'))")" 1
expect_eq "active, most severe first" "$(ids l1.json)" "1,4,2"
expect_eq "id" "$(j l1.json '$.warnings[0].id')" 1
expect_eq "level" "$(j l1.json '$.warnings[0].level')" I
expect_eq "level zh" "$(j l1.json '$.warnings[0].level_zh')" 特别严重
expect_eq "colour" "$(j l1.json '$.warnings[0].colour')" red
expect_eq "entity kind" "$(j l1.json '$.warnings[0].entity_kind')" product
expect_eq "entity id" "$(j l1.json '$.warnings[0].entity_id')" SKU-1
expect_eq "display name" "$(j l1.json '$.warnings[0].display_name')" "Glow Serum 30ml"
expect_eq "detector" "$(j l1.json '$.warnings[0].detector')" adverse_rate
expect_eq "opened (event time, +08:00)" "$(j l1.json '$.warnings[0].opened')" 2026-03-01T11:00:00+08:00
expect_eq "updated" "$(j l1.json '$.warnings[0].updated')" 2026-03-01T11:00:00+08:00
expect_eq "state" "$(j l1.json '$.warnings[0].state')" open
expect_eq "first event" "$(j l1.json '$.warnings[0].first_event')" 2026-02-28T12:00:00+08:00
expect_eq "group" "$(j l1.json '$.warnings[0].group')" batch:tmall-global:LOT7
expect_eq "escalated to II" "$(j l1.json '$.warnings[1].level')" II
expect_eq "updated by the escalation" "$(j l1.json '$.warnings[1].updated')" 2026-03-01T13:00:00+08:00
expect_eq "no platform is null" "$(sqlite3 :memory: "SELECT json_type(readfile('l1.json'), '\$.warnings[1].platform')")" null
expect_eq "Chinese name" "$(j l1.json '$.warnings[1].display_name')" "Acme Beauty 艾美"
expect_eq "no next page" "$(sqlite3 :memory: "SELECT json_type(readfile('l1.json'), '\$.next')")" null

"$TIANYAN" warnings --db $DB --json --utc-offset Z > z.json
expect_eq "UTC times" "$(j z.json '$.warnings[0].opened')" 2026-03-01T03:00:00Z

# filters
"$TIANYAN" warnings --db $DB --json --state all > all.json
expect_eq "all states" "$(ids all.json)" "1,4,3,2"
"$TIANYAN" warnings --db $DB --json --state resolved > res.json
expect_eq "resolved" "$(ids res.json)" 3
expect_eq "resolved time" "$(j res.json '$.warnings[0].resolved')" 2026-03-04T12:00:00+08:00
"$TIANYAN" warnings --db $DB --json --min-level II > ml.json
expect_eq "min level II" "$(ids ml.json)" "1,4"
"$TIANYAN" warnings --db $DB --json --min-level iv > ml4.json
expect_eq "min level IV is all" "$(ids ml4.json)" "1,4,2"
"$TIANYAN" warnings --db $DB --json --entity product:SKU-2 > ent.json
expect_eq "entity" "$(ids ent.json)" 2
"$TIANYAN" warnings --db $DB --json --entity brand:AcmeBeauty > ent2.json
expect_eq "entity across platforms" "$(ids ent2.json)" 4
"$TIANYAN" warnings --db $DB --json --entity product:nothing > ent3.json
expect_eq "no match" "$(ids ent3.json)" ""
"$TIANYAN" warnings --db $DB --json --detector return_rate > det.json
expect_eq "detector" "$(ids det.json)" 2
"$TIANYAN" warnings --db $DB --json --platform jd-intl > pl.json
expect_eq "platform" "$(ids pl.json)" 2
"$TIANYAN" warnings --db $DB --json --group batch:tmall-global:LOT7 > gr.json
expect_eq "group" "$(ids gr.json)" 1
"$TIANYAN" warnings --db $DB --json --state all --from 2026-03-05T00:00:00+08:00 > from.json
expect_eq "active after resolution" "$(ids from.json)" "1,4,2"
"$TIANYAN" warnings --db $DB --json --state all --to 2026-03-01T09:30:00+08:00 > to.json
expect_eq "opened before" "$(ids to.json)" "4,2"

# paging: one at a time through --after gives the same order
got=""
after=""
pages=0
while [ $pages -lt 10 ]; do
    if [ -n "$after" ]; then
        "$TIANYAN" warnings --db $DB --json --state all --limit 1 --after "$after" > page.json
    else
        "$TIANYAN" warnings --db $DB --json --state all --limit 1 > page.json
    fi
    got="$got${got:+,}$(ids page.json)"
    pages=$((pages + 1))
    after=$(j page.json '$.next')
    [ -n "$after" ] || break
done
expect_eq "pages" "$got" "1,4,3,2"
expect_eq "page count" "$pages" 4

# ---- listing, text ----
"$TIANYAN" warnings --db $DB > l1.txt
expect_status "list text" $? 0
expect_contains "header" l1.txt "ID     LEVEL          STATE"
expect_contains "row I" l1.txt "I 特别严重     open                  2026-03-01T11:00:00+08:00 adverse_rate     product:SKU-1@tmall-global  Glow Serum 30ml"
expect_contains "row without platform" l1.txt "brand:AcmeBeauty  Acme Beauty 艾美"
expect_contains "count" l1.txt "3 warnings"
if grep -q "$(printf '\033')" l1.txt; then bad "colour codes written to a file"; else ok; fi
"$TIANYAN" warnings --db $DB --limit 2 > l2.txt
expect_contains "more" l2.txt "2 warnings; more with --after 2.1772341200000.4"
# on a terminal the levels are coloured (I red, II orange), unless NO_COLOR is set
script -qec "\"$TIANYAN\" warnings --db $DB" /dev/null > tty.txt
expect_contains "red on a terminal" tty.txt "$(printf '\033[1;31mI 特别严重\033[0m')"
expect_contains "orange on a terminal" tty.txt "$(printf '\033[1;38;5;208mII 严重\033[0m')"
NO_COLOR=1 script -qec "\"$TIANYAN\" warnings --db $DB" /dev/null > tty2.txt
if grep -q "$(printf '\033\\[1')" tty2.txt; then bad "colour despite NO_COLOR"; else ok; fi

# ---- explain ----
"$TIANYAN" explain --db $DB 1 > e1.txt
expect_status "explain text" $? 0
expect_contains "title" e1.txt "Warning 1  Ⅰ级 特别严重 (level I, red)  open"
expect_contains "risk" e1.txt "severity 3 x probability 0.002 (> 1/1 000) -> serious"
expect_contains "statistic" e1.txt "prr = 4.61 (threshold 2)"
expect_contains "evidence" e1.txt "5 events, seqs 11, 12, 15, 19, 23"
expect_contains "window" e1.txt "2026-02-28T03:00:00Z to 2026-03-01T03:00:00Z"
expect_contains "note" e1.txt "5 allergy reports in 24 h, 1.1 expected"
expect_contains "matrix source" e1.txt "Decision (EU) 2019/417, Annex Part III, Table 4"
expect_contains "history" e1.txt "opened        engine       I [event time 2026-03-01T11:00:00+08:00]"

"$TIANYAN" explain --db $DB 4 --json > e4.json
expect_status "explain json" $? 0
expect_eq "valid" "$(sqlite3 :memory: "SELECT json_valid(readfile('e4.json'))")" 1
expect_eq "warning level" "$(j e4.json '$.warning.level')" II
expect_eq "rule version" "$(j e4.json '$.warning.rule_version')" adverse_rate/1
expect_eq "raises" "$(j e4.json '$.warning.raises')" 2
expect_eq "explanation embedded as JSON" "$(j e4.json '$.explanation.risk.band')" "> 1/1 000"
expect_eq "explanation level" "$(j e4.json '$.explanation.risk.level')" II
expect_eq "history" "$(sqlite3 :memory: "SELECT group_concat(value ->> 'change') FROM json_each(readfile('e4.json'), '\$.history')")" "opened,escalated"
expect_eq "escalated from" "$(j e4.json '$.history[1].level_from')" III
expect_eq "escalated to" "$(j e4.json '$.history[1].level_to')" II
expect_eq "engine change has event time" "$(j e4.json '$.history[1].event_time')" 2026-03-01T13:00:00+08:00

"$TIANYAN" explain --db $DB 3 --json > e3.json
expect_eq "resolved history" "$(sqlite3 :memory: "SELECT group_concat(value ->> 'change') FROM json_each(readfile('e3.json'), '\$.history')")" "opened,cleared,resolved"
expect_eq "resolved after 72 h clear" "$(j e3.json '$.history[2].event_time')" 2026-03-04T12:00:00+08:00

"$TIANYAN" explain --db $DB 99 > e99.out 2> e99.err
expect_status "explain missing" $? 1
expect_contains "missing message" e99.err "there is no warning 99"
expect_eq "nothing on stdout" "$(wc -c < e99.out)" 0
"$TIANYAN" explain --db $DB 99 --json > e99j.out 2>/dev/null
expect_eq "no partial JSON" "$(wc -c < e99j.out)" 0
"$TIANYAN" explain --db $DB abc > /dev/null 2> eabc.err
expect_status "explain bad id" $? 2
expect_contains "bad id message" eabc.err 'warning id must be a positive integer, got "abc"'
"$TIANYAN" explain --db $DB > /dev/null 2>&1
expect_status "explain without id" $? 2

# ---- ack ----
"$TIANYAN" warnings ack --db $DB --actor zhang.wei --note "called the platform" 1 > a1.out
expect_status "ack" $? 0
expect_contains "ack message" a1.out "warning 1 acknowledged by zhang.wei"
"$TIANYAN" warnings --db $DB --json --state acknowledged > ack.json
expect_eq "acknowledged" "$(ids ack.json)" 1
"$TIANYAN" explain --db $DB 1 --json > e1a.json
expect_eq "ack history" "$(j e1a.json '$.history[1].change')" acknowledged
expect_eq "ack actor" "$(j e1a.json '$.history[1].actor')" zhang.wei
expect_eq "ack note" "$(j e1a.json '$.history[1].reason')" "called the platform"
expect_eq "people's actions have no event time" "$(sqlite3 :memory: "SELECT json_type(readfile('e1a.json'), '\$.history[1].event_time')")" null
expect_eq "acknowledged by" "$(j e1a.json '$.warning.acknowledged_by')" zhang.wei
"$TIANYAN" warnings ack --db $DB --actor li.na 1 > /dev/null 2> a2.err
expect_status "ack twice" $? 1
expect_contains "ack twice message" a2.err "warning 1 is already acknowledged (by zhang.wei at"
"$TIANYAN" warnings ack --db $DB --actor li.na 3 > /dev/null 2> a3.err
expect_status "ack resolved" $? 1
expect_contains "ack resolved message" a3.err "warning 3 is resolved; only open or acknowledged warnings can be acknowledged"
"$TIANYAN" warnings ack --db $DB --actor li.na 99 > /dev/null 2> a4.err
expect_status "ack missing" $? 1
expect_contains "ack missing message" a4.err "there is no warning 99"
"$TIANYAN" warnings ack --db $DB 2 > /dev/null 2> a5.err
expect_status "ack without actor" $? 2
expect_contains "actor required" a5.err "--actor is required"
"$TIANYAN" warnings ack --db $DB --actor li.na > /dev/null 2> a6.err
expect_status "ack without id" $? 2
"$TIANYAN" warnings ack --db $DB --actor li.na 0 > /dev/null 2>&1
expect_status "ack id 0" $? 2

# ---- silence / unsilence ----
"$TIANYAN" warnings silence --db $DB --actor li.na --reason "recall under way" --for 2h 2 > s1.out
expect_status "silence" $? 0
expect_contains "silence message" s1.out "warning 2 silenced until"
"$TIANYAN" warnings --db $DB --json > sl.json
expect_eq "silenced" "$(j sl.json '$.warnings[2].silenced')" 1
expect_eq "still listed and open" "$(j sl.json '$.warnings[2].state')" open
"$TIANYAN" warnings --db $DB > sl.txt
expect_contains "silenced in text" sl.txt "open+silenced"
"$TIANYAN" warnings silence --db $DB --actor li.na --for 2h 2 > /dev/null 2> s2.err
expect_status "silence without reason" $? 2
expect_contains "reason required" s2.err "--reason is required"
"$TIANYAN" warnings silence --db $DB --actor li.na --reason x --until 2020-01-01T00:00:00Z 2 > /dev/null 2> s3.err
expect_status "silence in the past" $? 2
expect_contains "past message" s3.err "--until 2020-01-01T00:00:00Z is not in the future"
"$TIANYAN" warnings silence --db $DB --actor li.na --reason x 2 > /dev/null 2> s4.err
expect_status "silence without end" $? 2
expect_contains "end message" s4.err "give either --until TIME or --for DURATION"
"$TIANYAN" warnings silence --db $DB --actor li.na --reason x --for 2h --until 2030-01-01T00:00:00Z 2 > /dev/null 2>&1
expect_status "silence with two ends" $? 2
"$TIANYAN" warnings silence --db $DB --actor li.na --reason x --for 0h 2 > /dev/null 2> s5.err
expect_status "silence for 0h" $? 2
expect_contains "duration message" s5.err '--for must be a positive number with s, m, h or d'
"$TIANYAN" warnings silence --db $DB --actor li.na --reason x --until tomorrow 2 > /dev/null 2> s6.err
expect_status "silence bad time" $? 2
expect_contains "time message" s6.err '--until must be an RFC 3339 time'
"$TIANYAN" warnings silence --db $DB --actor li.na --reason x --for 1h 3 > /dev/null 2> s7.err
expect_status "silence resolved" $? 1
expect_contains "silence resolved message" s7.err "warning 3 is resolved"
"$TIANYAN" warnings unsilence --db $DB --actor li.na --reason "recall finished" 2 > u1.out
expect_status "unsilence" $? 0
expect_contains "unsilence message" u1.out "warning 2 unsilenced by li.na"
"$TIANYAN" warnings --db $DB --json > us.json
expect_eq "not silenced" "$(j us.json '$.warnings[2].silenced')" 0
"$TIANYAN" warnings unsilence --db $DB --actor li.na 2 > /dev/null 2> u2.err
expect_status "unsilence twice" $? 1
expect_contains "not silenced message" u2.err "warning 2 is not silenced (its silence ended at"
expect_eq "history rows of warning 2" "$(sql $DB "SELECT group_concat(change || '/' || actor || '/' || coalesce(reason, '')) FROM (SELECT * FROM warning_history WHERE warning = 2 ORDER BY id)")" "opened/engine/severity 1 x probability 0.002 (> 1/1 000) -> low risk, level IV,silenced/li.na/recall under way,unsilenced/li.na/recall finished"
expect_eq "silence end kept in history" "$(sql $DB "SELECT until > at FROM warning_history WHERE warning = 2 AND change = 'silenced'")" 1

# the history is append-only, even for SQL
sqlite3 $DB "DELETE FROM warning_history" 2> del.err
expect_contains "append-only" del.err "warning_history is append-only"

# ---- usage errors and a missing store ----
"$TIANYAN" warnings --db nope.db > /dev/null 2> n.err
expect_status "missing store" $? 1
expect_contains "missing store message" n.err "no store at nope.db"
if [ -e nope.db ]; then bad "listing created a store"; else ok; fi
"$TIANYAN" warnings --db $DB --min-level V > /dev/null 2> b1.err
expect_status "bad level" $? 2
expect_contains "level message" b1.err '--min-level must be I, II, III or IV, got "V"'
"$TIANYAN" warnings --db $DB --entity SKU-1 > /dev/null 2> b2.err
expect_status "bad entity" $? 2
expect_contains "entity message" b2.err '--entity must be KIND:ID'
"$TIANYAN" warnings --db $DB --state closed > /dev/null 2> b3.err
expect_status "bad state" $? 2
"$TIANYAN" warnings --db $DB --limit 0 > /dev/null 2>&1
expect_status "bad limit" $? 2
"$TIANYAN" warnings --db $DB --after junk > /dev/null 2>&1
expect_status "bad cursor" $? 2
"$TIANYAN" warnings --db $DB --from yesterday > /dev/null 2>&1
expect_status "bad time" $? 2
"$TIANYAN" warnings --db $DB --bogus > /dev/null 2>&1
expect_status "unknown option" $? 2
"$TIANYAN" warnings > /dev/null 2>&1
expect_status "no --db" $? 2
"$TIANYAN" warnings --help > h.txt
expect_status "help" $? 0
expect_contains "help subcommands" h.txt "ack|silence|unsilence"
"$TIANYAN" warnings silence --help > hs.txt
expect_contains "silence help" hs.txt "--for DURATION"

finish
