#!/bin/sh
# t0400-demo: `tianyan demo`, the main job: simulate, import the reference data
# when present, ingest exactly once, summarise, run the risk engine and list its
# warnings. A second run over the same store regenerates identical feeds, stores
# nothing new and duplicates no warning.
. "$TY_SOURCE/tests/cli/lib.sh"

"$TIANYAN" demo --db d.db --out feeds --days 3 --platforms 2 --scale 0.5 > run1.txt 2>&1
expect_status "demo" $? 0
expect_contains "summary" run1.txt "Summary: "
expect_contains "nothing rejected" run1.txt " 0 duplicate, 0 rejected in"
accepted=$(sed -n 's/^Summary: \([0-9]*\) accepted.*/\1/p' run1.txt)
expect_eq "store holds what was acknowledged" "$(sql d.db 'SELECT count(*) FROM events')" "$accepted"
for kind in allergy_outbreak counterfeit_merchant expired_stock damaged_route banned_ingredient; do
    expect_contains "incident $kind listed" run1.txt "$kind"
done
expect_eq "two platforms" "$(sql d.db 'SELECT count(*) FROM platforms')" 2
expect_eq "every record type stored" "$(sql d.db 'SELECT count(DISTINCT type) FROM events')" 8
expect_contains "no reference data here" run1.txt "No reference data in ../shared/data"
expect_contains "engine ran" run1.txt "Risk engine: $accepted events in"
warnings1=$(sql d.db "SELECT count(*) FROM warnings")

"$TIANYAN" demo --db d.db --out feeds --days 3 --platforms 2 --scale 0.5 > run2.txt 2>&1
expect_status "demo again" $? 0
expect_contains "all duplicates" run2.txt "Summary: 0 accepted, $accepted duplicate, 0 rejected"
expect_eq "still the same events" "$(sql d.db 'SELECT count(*) FROM events')" "$accepted"
expect_eq "no warning duplicated" "$(sql d.db "SELECT count(*) FROM warnings")" "$warnings1"

# ---- 12 days with the public reference data: the engine warns ----
require_data cosing/eu-annex-ii.csv
"$TIANYAN" demo --db r.db --out rfeeds --days 12 --reference "$TY_SHARED_DATA" > run3.txt 2>&1
expect_status "demo with reference data" $? 0
expect_contains "annex imported" run3.txt "CosIng Annex II"
expect_contains "alerts imported" run3.txt "Safety Gate"
expect_eq "the banned ingredient warns" "$(sql r.db "SELECT count(*) FROM warnings WHERE detector = 'annex.harmful' AND state = 'open'")" 1
expect_contains "most severe listed first" run3.txt "   I    "
n=$(sql r.db "SELECT count(*) FROM warnings WHERE state <> 'resolved'")
expect_contains "count printed" run3.txt "$n warnings: "
if [ "$n" -ge 1 ]; then ok; else bad "the 12-day demo should raise warnings (got $n)"; fi
expect_contains "next steps" run3.txt "tianyan explain --db r.db WARNING_ID"
finish
