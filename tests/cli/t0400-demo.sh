#!/bin/sh
# t0400-demo: `tianyan demo`, the main job: simulate, ingest exactly once, summarise.
# A second run over the same store regenerates identical feeds and stores nothing new.
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

"$TIANYAN" demo --db d.db --out feeds --days 3 --platforms 2 --scale 0.5 > run2.txt 2>&1
expect_status "demo again" $? 0
expect_contains "all duplicates" run2.txt "Summary: 0 accepted, $accepted duplicate, 0 rejected"
expect_eq "still the same events" "$(sql d.db 'SELECT count(*) FROM events')" "$accepted"
finish
