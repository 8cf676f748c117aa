#!/bin/sh
# t0200-crash: durability and exactly-once under kill -9.
#
# 25 trials. In each, a fresh store ingests a feed of 100,000 lines (random
# 16-hex-digit ids, duplicates and malformed lines mixed in) and the process is
# killed with SIGKILL at a random moment. Then: the database passes
# integrity_check, no event is stored twice, and every count the CLI had
# acknowledged (printed after a commit) is on disk. The same feed is then
# ingested to the end: every distinct valid event is stored exactly once.
. "$TY_SOURCE/tests/cli/lib.sh"

N=100000
# every 50th line repeats an earlier id; every 997th line is malformed
awk -v n=$N 'BEGIN {
    srand(20261127);
    for (i = 1; i <= n; i++) {
        if (i % 997 == 0) { print "{\"spec_version\":\"1.0\",\"type\":\"order\",broken"; continue }
        id = sprintf("%08x%08x", int(rand() * 4294967296), int(rand() * 4294967296));
        if (i % 50 == 0) id = ids[int(i / 2)];
        ids[i] = id;
        printf("{\"spec_version\":\"1.0\",\"type\":\"order\",\"id\":\"%s\",\"time\":\"2026-03-01T20:%02d:%02d+08:00\",\"merchant_id\":\"M%d\",\"items\":[{\"sku\":\"S%d\",\"quantity\":1,\"unit_price\":%d}],\"currency\":\"CNY\"}\n", id, (i / 60) % 60, i % 60, i % 97, i % 1013, 100 + i % 9000);
    }
}' > feed.jsonl
valid=$(grep -c '"id"' feed.jsonl)
distinct=$(grep -o '"id":"[0-9a-f]*"' feed.jsonl | sort -u | wc -l)
echo "feed: $N lines, $valid valid, $distinct distinct ids"
if [ "$distinct" -lt 95000 ]; then bad "feed generator: only $distinct distinct ids"; fi

rand() { od -An -N2 -tu2 /dev/urandom | tr -d ' '; }

trials=25
t=1
while [ $t -le $trials ]; do
    rm -f crash.db crash.db-wal crash.db-shm crash.db.key
    "$TIANYAN" ingest --db crash.db --platform p --create-platform --batch 2000 --progress feed.jsonl > run.txt 2>&1 &
    pid=$!
    # up to 0.8 s (a full run takes about that long): before the store exists, between commits, inside a commit
    ms=$(( $(rand) % 800 ))
    sleep "$(awk -v m=$ms 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -9 $pid 2>/dev/null
    wait $pid 2>/dev/null
    stored=0
    acked=$(grep '^committed' run.txt | tail -1 | sed 's/.*accepted \([0-9]*\),.*/\1/')
    acked=${acked:-0}
    if [ -f crash.db ]; then
        expect_eq "trial $t ($ms ms): integrity" "$(sqlite3 crash.db 'PRAGMA integrity_check')" ok
        # killed before the schema existed: nothing stored
        stored=$(sqlite3 crash.db 'SELECT count(*) FROM events' 2>/dev/null || echo 0)
        once=$(sqlite3 crash.db 'SELECT count(DISTINCT rid) FROM events' 2>/dev/null || echo 0)
        expect_eq "trial $t ($ms ms): no event twice" "$once" "$stored"
    fi
    # every acknowledged event is on disk
    if [ "$acked" -le "$stored" ]; then ok; else bad "trial $t: acknowledged $acked > stored $stored"; fi
    echo "trial $t: killed after $ms ms: $stored stored, $acked acknowledged"

    "$TIANYAN" ingest --db crash.db --platform p --create-platform --batch 2000 feed.jsonl > final.txt 2>&1
    expect_status "trial $t: completing run" $? 3
    expect_eq "trial $t: exactly once" "$(sqlite3 crash.db 'SELECT count(*) || "/" || count(DISTINCT rid) FROM events')" "$distinct/$distinct"
    acc=$(sed -n 's/.*accepted \([0-9]*\), duplicate \([0-9]*\).*/\1 \2/p' final.txt)
    set -- $acc
    expect_eq "trial $t: completing run accounts for every line" "$(($1 + $2))" "$valid"
    expect_eq "trial $t: completing run stored the rest" "$1" "$((distinct - stored))"
    t=$((t + 1))
done

expect_eq "integrity" "$(sqlite3 crash.db 'PRAGMA integrity_check')" ok
expect_contains "final report" final.txt "rejected $((N / 997))"
# the index rebuilt from disk agrees: a re-send is all duplicates
"$TIANYAN" ingest --db crash.db --platform p feed.jsonl > again.txt 2>&1
expect_contains "all duplicates" again.txt "accepted 0, duplicate $valid"
finish
