#!/bin/sh
# bench/http.sh - `tianyan serve` under load, on this machine's loopback:
#  1. wrk against read routes (health, the warnings list, one warning with its
#     explanation and history): requests per second and latency percentiles;
#  2. HTTP ingest against `tianyan ingest` of the same data into a fresh store,
#     in the same run, rounds taken in turns: the feeds as one file (one POST)
#     and as four files (four POSTs at once, four files on the command line):
#     events per second and their ratio (goal: HTTP >= 0.9x).
# The server and the load generator share the machine's cores, so the read
# figures are a floor. Figures go to docs/benchmarks.md by hand.
#   usage: bench/http.sh BUILD_DIR SCRATCH [DAYS] [DURATION_S]
set -eu
BUILD=$(cd "$1" && pwd)
SCRATCH=$2
DAYS=${3:-14}
DUR=${4:-10}
T="$BUILD/tianyan"
FIXTURE="$BUILD/tests/test_warnings"
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
cd "$SCRATCH"

"$T" simulate --out feeds --days "$DAYS" --platforms 4 --seed 11 > /dev/null
set --
for f in feeds/*.jsonl; do
    case "$f" in */ground-truth.jsonl) ;; *) set -- "$@" "$f" ;; esac
done
files=$#
events=$(cat "$@" | wc -l | tr -d ' ')
bytes=$(cat "$@" | wc -c | tr -d ' ')
echo "feeds: $files files, $events events, $((bytes / 1048576)) MiB"

# ---- reads
"$FIXTURE" --fixture r.db > /dev/null
"$T" platform --db r.db add tmall-global > /dev/null
echo "correct horse battery" | "$T" user --db r.db add bench --role analyst > /dev/null
"$T" serve --db r.db --port 0 --port-file r.port --access-log false \
    --rate-limit-address 0 --rate-limit-principal 0 2> r.log &
pid=$!
while [ ! -s r.port ]; do sleep 0.1; done
url=http://127.0.0.1:$(cat r.port)
tok=$(curl -s -H 'Content-Type: application/json' \
    -d '{"name":"bench","password":"correct horse battery","token":true}' "$url/api/v1/session" |
    sed 's/.*"token":"\([^"]*\)".*/\1/')
for path in /healthz /api/v1/warnings /api/v1/warnings/1; do
    wrk -t2 -c32 -d"${DUR}s" --latency -H "Authorization: Bearer $tok" "$url$path" > wrk.txt
    rps=$(awk '/^Requests\/sec/ { print $2 }' wrk.txt)
    p50=$(awk '$1 == "50%" { print $2 }' wrk.txt)
    p99=$(awk '$1 == "99%" { print $2 }' wrk.txt)
    non2xx=$(awk '/Non-2xx/ { print $NF }' wrk.txt)
    echo "GET $path: $rps req/s, p50 $p50, p99 $p99 (non-2xx: ${non2xx:-0})"
done
kill -TERM $pid
wait $pid

# ---- ingest: CLI, then HTTP, same files, fresh stores; ROUNDS rounds taken
# in turns, medians compared (the machine is shared and noisy)
ROUNDS=${ROUNDS:-3}
now() { date +%s.%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# ingest_rounds LABEL FILE...
ingest_rounds() {
    label=$1
    shift
    : > cli.rates
    : > http.rates
    r=0
    while [ $r -lt "$ROUNDS" ]; do
        r=$((r + 1))
        rm -f cli.db* h.db* h.port ./*.out
        t0=$(now)
        "$T" ingest --db cli.db --platform bench --create-platform "$@" > cli.txt
        t1=$(now)
        echo "$events $t0 $t1" | awk '{ printf "%.0f\n", $1 / ($3 - $2) }' >> cli.rates

        "$T" platform --db h.db add bench > /dev/null
        key=$("$T" key --db h.db issue --platform bench 2> /dev/null)
        "$T" serve --db h.db --port 0 --port-file h.port --access-log false \
            --max-ingest-bytes 17179869184 2> h.log &
        pid=$!
        while [ ! -s h.port ]; do sleep 0.1; done
        url=http://127.0.0.1:$(cat h.port)
        t0=$(now)
        curls=""
        for f in "$@"; do
            curl -s -o "$(basename "$f").out" -H "Authorization: Bearer $key" \
                -H 'Content-Type: application/x-ndjson' --data-binary @"$f" "$url/api/v1/events" &
            curls="$curls $!"
        done
        for j in $curls; do wait "$j"; done
        t1=$(now)
        kill -TERM $pid
        wait $pid
        acc=$(cat ./*.out | sed 's/.*"accepted":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s }')
        if [ "$acc" != "$events" ]; then
            echo "HTTP ingest accepted $acc of $events events" >&2
            exit 1
        fi
        echo "$acc $t0 $t1" | awk '{ printf "%.0f\n", $1 / ($3 - $2) }' >> http.rates
        echo "$label, round $r: tianyan ingest $(tail -n 1 cli.rates) events/s, HTTP $(tail -n 1 http.rates) events/s"
    done
    cli_rate=$(median < cli.rates)
    http_rate=$(median < http.rates)
    echo "$label: tianyan ingest median $cli_rate events/s; HTTP median $http_rate events/s; HTTP / CLI $(echo "$http_rate $cli_rate" | awk '{ printf "%.2f", $1 / $2 }')"
}

cat "$@" > all.jsonl
ingest_rounds "one file" all.jsonl
ingest_rounds "four files at once" "$@"
