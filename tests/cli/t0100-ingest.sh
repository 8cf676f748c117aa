#!/bin/sh
# t0100-ingest: `tianyan ingest` end to end on a fresh store: a feed with good,
# duplicate and malformed lines gives exact counts and one message per reject;
# sending the same file again gives only duplicates; CSV works the same way;
# `tianyan stats` counts what was stored.
. "$TY_SOURCE/tests/cli/lib.sh"

T='"spec_version":"1.0","time":"2026-03-01T20:15:00+08:00"'
cat > feed.jsonl <<JSON
{$T,"type":"merchant","id":"m-v1","merchant_id":"M1","name":"Sakura Beauty","country":"JP"}
{$T,"type":"product","id":"p-v1","sku":"S1","title":"Moist cream","brand":"Hanabi","category":["护肤","面霜"],"origin_country":"JP","price":12900,"currency":"CNY"}
{$T,"type":"order","id":"9f3a1c0e77d24b18","merchant_id":"M1","buyer":"buyer-1","items":[{"sku":"S1","quantity":2,"unit_price":12900}],"currency":"CNY"}
{$T,"type":"order","id":"9f3a1c0e77d24b18","merchant_id":"M1","buyer":"buyer-1","items":[{"sku":"S1","quantity":2,"unit_price":12900}],"currency":"CNY"}
{$T,"type":"order","id":"o-2","merchant_id":"M1","items":[{"sku":"S1","quantity":1,"unit_price":12.5}],"currency":"CNY"}
{$T,"type":"review","id":"r-1","sku":"S1","stars":1,"text":"用了两天脸上起红疹，很痒"}
{$T,"type":"review","id":"r-2","sku":"S1","stars":9}
this is not JSON
{$T,"type":"return","id":"t-1","order_id":"9f3a1c0e77d24b18","sku":"S1","reason":"adverse_reaction","text":"过敏"}
{$T,"type":"complaint","id":"c-1","sku":"S1","category":"counterfeit","channel":"hotline","text":"x'); DROP TABLE events; --"}
{$T,"type":"users_online","id":"u-1","online":1532}
JSON

# platforms must be registered: a misspelt code is refused, not filed as a new platform
"$TIANYAN" ingest --db s.db --platform shop-a feed.jsonl > out0.txt 2> err0.txt
expect_status "unregistered platform" $? 1
expect_contains "unregistered platform message" err0.txt 'unknown platform "shop-a"; register it with `tianyan platform --db s.db add shop-a`'
expect_eq "nothing stored for it" "$(sql s.db 'SELECT count(*) FROM events')" 0
"$TIANYAN" platform --db s.db add shop-a --name "Shop A 海外购" > reg.txt 2>&1
expect_status "platform add" $? 0
expect_contains "platform add message" reg.txt "registered platform shop-a"
"$TIANYAN" platform --db s.db add shop-a > reg2.txt 2>&1
expect_contains "platform add twice" reg2.txt "already registered: platform shop-a"
"$TIANYAN" platform --db s.db add Shop_A > /dev/null 2> reg3.txt
expect_status "bad platform code" $? 2
"$TIANYAN" ingest --db s.db --platform shop-a feed.jsonl > out1.txt 2> err1.txt
expect_status "first ingest" $? 3
expect_contains "report" out1.txt "feed.jsonl: 11 lines, accepted 7, duplicate 1, rejected 3"
expect_contains "reject 1" out1.txt 'line 5: field "items[0].unit_price": expected an integer, got "12.5"'
expect_contains "reject 2" out1.txt 'line 7: field "stars": must be between 1 and 5, got 9'
expect_contains "reject 3" out1.txt 'line 8: invalid JSON'
expect_eq "stored events" "$(sql s.db 'SELECT count(*) FROM events')" 7
expect_eq "no raw buyer id on disk" "$(sql s.db "SELECT count(*) FROM events WHERE body LIKE '%buyer-1%'")" 0
expect_eq "SQL metacharacters stored as text" \
    "$(sql s.db "SELECT json_extract(body, '\$.text') FROM events WHERE rid = 'c-1'")" "x'); DROP TABLE events; --"
expect_eq "batch row" "$(sql s.db 'SELECT accepted || "/" || duplicate || "/" || rejected FROM ingest_batches')" "7/1/3"
expect_eq "rejects kept" "$(sql s.db 'SELECT group_concat(line, ",") FROM ingest_rejects')" "5,7,8"

# The same file again: everything valid is now a duplicate, the bad lines are still bad.
"$TIANYAN" ingest --db s.db --platform shop-a feed.jsonl > out2.txt 2>&1
expect_status "second ingest" $? 3
expect_contains "re-send" out2.txt "accepted 0, duplicate 8, rejected 3"
expect_eq "still 7 events" "$(sql s.db 'SELECT count(*) FROM events')" 7

# The same id with different content is a duplicate too, but the sender is told.
printf '{%s,"type":"review","id":"r-1","sku":"S1","stars":5,"text":"edited later"}\n' "$T" > edited.jsonl
"$TIANYAN" ingest --db s.db --platform shop-a edited.jsonl > out2b.txt 2>&1
expect_status "conflicting re-send" $? 3
expect_contains "conflict counted" out2b.txt "accepted 0, duplicate 1 (1 with different content), rejected 0"
expect_contains "conflict named" out2b.txt 'line 1: field "id": "r-1" was stored before with different content; this version is not stored (a correction needs a new id)'
expect_eq "original kept" "$(sql s.db "SELECT json_extract(body, '\$.stars') FROM events WHERE rid = 'r-1'")" 1

# Another platform may use the same ids: its events are its own.
"$TIANYAN" ingest --db s.db --platform shop-b --create-platform feed.jsonl > out3.txt 2>&1
expect_contains "other platform" out3.txt "accepted 7, duplicate 1, rejected 3"

# JSON report
"$TIANYAN" ingest --db s.db --platform shop-a --json feed.jsonl > out4.json 2>&1
expect_eq "json report" "$(sqlite3 :memory: "SELECT json_extract(readfile('out4.json'), '\$.duplicate') || ' ' || json_extract(readfile('out4.json'), '\$.errors[0].field') || ' ' || json_extract(readfile('out4.json'), '\$.errors[0].code')")" "8 items[0].unit_price wrong_type"

# CSV with the same content as a bulk file: one row per order line
cat > bulk.csv <<'CSV'
type,id,time,spec_version,merchant_id,currency,sku,quantity,unit_price,stars,text
order,o-10,2026-03-02T10:00:00+08:00,1.0,M1,CNY,S1,1,12900,,
order,o-10,,,,,S2,2,5900,,
review,r-10,2026-03-02T11:00:00+08:00,1.0,,,S1,,,5,"好用，回购"
review,r-11,2026-03-02T11:00:00+08:00,1.0,,,S1,,,five,
CSV
"$TIANYAN" ingest --db s.db --platform shop-a --format csv bulk.csv > out5.txt 2>&1
expect_status "csv ingest" $? 3
expect_contains "csv counts" out5.txt "accepted 2, duplicate 0, rejected 1"
expect_contains "csv reject" out5.txt 'line 5: field "stars": expected an integer, got "five"'
expect_eq "csv order has 2 lines" "$(sql s.db "SELECT json_array_length(body, '\$.items') FROM events WHERE rid = 'o-10'")" 2
"$TIANYAN" ingest --db s.db --platform shop-a --format csv bulk.csv > out6.txt 2>&1
expect_contains "csv re-send" out6.txt "accepted 0, duplicate 2, rejected 1"

# A clean file exits 0; usage errors exit 2; a missing file fails with 1
printf '{%s,"type":"users_online","id":"u-2","online":10}\n' "$T" > clean.jsonl
"$TIANYAN" ingest --db s.db --platform shop-a clean.jsonl > /dev/null 2>&1
expect_status "clean ingest" $? 0
"$TIANYAN" ingest --db s.db clean.jsonl > /dev/null 2> usage.txt
expect_status "missing --platform" $? 2
expect_contains "usage message" usage.txt "--platform is required"
"$TIANYAN" ingest --db s.db --platform shop-a --format xml clean.jsonl > /dev/null 2>&1
expect_status "unknown format" $? 2
"$TIANYAN" ingest --db s.db --platform shop-a no-such-file.jsonl > /dev/null 2> missing.txt
expect_status "missing file" $? 1
expect_contains "missing file message" missing.txt "no-such-file.jsonl: not found"

"$TIANYAN" platform --db s.db list > list.txt
expect_contains "platform list" list.txt "shop-a                           Shop A 海外购"
expect_contains "platform list b" list.txt "shop-b"

# stats: per platform, type and day (China time)
"$TIANYAN" stats --db s.db > stats.txt
expect_status "stats" $? 0
expect_contains "stats order row" stats.txt "shop-a           order          2026-03-01          1"
expect_contains "stats total" stats.txt "  all                    17"
"$TIANYAN" stats --db s.db --utc-offset -12:00 > stats2.txt
expect_contains "stats next day in China" stats.txt "shop-a           order          2026-03-02          1"
# 2026-03-02T10:00+08:00 is still 1 March at UTC-12
expect_contains "stats in another zone" stats2.txt "shop-a           order          2026-03-01          2"

# --help comes from the command table
"$TIANYAN" ingest --help > help.txt
expect_contains "help" help.txt "--platform ID"
"$TIANYAN" --help > help2.txt
expect_contains "command list" help2.txt "simulate"
finish
