#!/bin/sh
# t1020-serve-ingest: POST /api/v1/events and GET /api/v1/warnings against the
# real server. A simulated feed sent over HTTP is stored exactly as `tianyan
# ingest` stores the same file (counts and events); a second send is all
# duplicates; CSV works; rejected lines come back with line, field, code and
# message; the limits answer 413 (before reading, by Content-Length, and while
# reading a chunked body), 415 and 400; with ingest_concurrency 1 a second
# request during a slow one answers 429 with Retry-After and the slow one still
# succeeds; every batch is in the audit trail with its counts. Warnings: the
# filters, keyset paging through `next`, and parameter errors naming the
# parameter.
. "$TY_SOURCE/tests/cli/lib.sh"
. "$TY_SOURCE/tests/cli/serve-lib.sh"

FIXTURE="$(dirname "$TIANYAN")/tests/test_warnings"
DB=i.db
"$FIXTURE" --fixture $DB || { echo "FAIL: fixture" >&2; exit 1; }
"$TIANYAN" platform --db $DB add haitun > /dev/null
KEY=$("$TIANYAN" key --db $DB issue --platform haitun 2> /dev/null)
"$TIANYAN" simulate --out sim --days 1 --platforms 1 --scale 0.2 > /dev/null
FEED=sim/haitun.jsonl
lines=$(wc -l < $FEED | tr -d ' ')
if [ "$lines" -ge 500 ]; then ok; else bad "simulated feed has only $lines lines"; fi

# the same file through the CLI, for comparison
"$TIANYAN" ingest --db cli.db --platform haitun --create-platform --json $FEED > cli.json
expect_status "cli ingest" $? 0

start_server ing --db $DB --ingest-concurrency 1 --max-ingest-bytes 1048576 --retry-after 7
AUTH="Authorization: Bearer $KEY"
ND="Content-Type: application/x-ndjson"

expect_http "send the feed" f1 200 - POST /api/v1/events -H "$AUTH" -H "$ND" --data-binary @$FEED
expect_eq "accepted as the CLI" "$(j f1.body '$.accepted')" "$(j cli.json '$.accepted')"
expect_eq "lines" "$(j f1.body '$.lines')" "$lines"
expect_eq "no reject" "$(j f1.body '$.rejected')" 0
expect_eq "durable when answered" "$(sql $DB "SELECT count(*) FROM events")" "$(j f1.body '$.accepted')"
expect_eq "same events as the CLI" \
    "$(sql $DB "SELECT count(*) FROM events WHERE rid IN (SELECT rid FROM events)")" \
    "$(sql cli.db "SELECT count(*) FROM events")"
expect_http "send it again" f2 200 - POST /api/v1/events -H "$AUTH" -H "$ND" --data-binary @$FEED
expect_eq "all duplicates" "$(j f2.body '$.accepted')/$(j f2.body '$.duplicate')" "0/$(j f1.body '$.accepted')"
expect_eq "stored once" "$(sql $DB "SELECT count(*) FROM events")" "$(j f1.body '$.accepted')"

# rejected lines, with what a person needs to fix them
{
    echo '{"spec_version":"1.0","type":"merchant","id":"M-9@1","time":"2026-02-01T10:00:00+08:00","merchant_id":"M-9","name":"Shop","country":"JP"}'
    echo '{"spec_version":"1.0","type":"merchant","id":"M-10@1","time":"2026-02-01T10:00:00+08:00","merchant_id":"M-10","name":"Shop","country":"XX"}'
    echo '{"spec_version":"1.0","type":"merchant"'
} > mixed.jsonl
expect_http "some lines rejected" mx 200 - POST /api/v1/events -H "$AUTH" -H "$ND" --data-binary @mixed.jsonl
expect_eq "counts" "$(j mx.body '$.accepted')/$(j mx.body '$.rejected')" 1/2
expect_eq "line of the first reject" "$(j mx.body '$.errors[0].line')" 2
expect_eq "field" "$(j mx.body '$.errors[0].field')" country
expect_eq "code" "$(j mx.body '$.errors[1].code')" syntax
tail -n 1 mixed.jsonl > bad.jsonl
expect_http "nothing accepted" bd 400 invalid_events POST /api/v1/events -H "$AUTH" -H "$ND" --data-binary @bad.jsonl
expect_eq "with the errors" "$(j bd.body '$.errors[0].line')" 1
expect_http "empty body" eb 400 invalid_events POST /api/v1/events -H "$AUTH" -H "$ND" --data-binary ''

# CSV
printf 'type,id,time,spec_version,merchant_id,name,country\nmerchant,M-77@1,2026-02-01T10:00:00+08:00,1.0,M-77,CSV Shop,KR\n' > m.csv
expect_http "csv" cv 200 - POST /api/v1/events -H "$AUTH" -H "Content-Type: text/csv" --data-binary @m.csv
expect_eq "csv accepted" "$(j cv.body '$.accepted')/$(j cv.body '$.format')" 1/csv

# limits
before=$(sql $DB "SELECT count(*) FROM events")
head -c 2000000 /dev/zero | tr '\0' ' ' > big.txt
expect_http "over max_ingest_bytes" big 413 payload_too_large POST /api/v1/events -H "$AUTH" -H "$ND" --data-binary @big.txt
expect_eq "nothing read" "$(sql $DB "SELECT count(*) FROM events")" "$before"
expect_http "chunked over the limit" bigc 413 payload_too_large POST /api/v1/events -H "$AUTH" -H "$ND" \
    -H "Transfer-Encoding: chunked" --data-binary @big.txt
# a chunked body cut at the limit: what was committed before the cut is audited
cat $FEED $FEED $FEED > feed3.jsonl
expect_http "chunked events over the limit" bige 413 payload_too_large POST /api/v1/events -H "$AUTH" -H "$ND" \
    -H "Transfer-Encoding: chunked" --data-binary @feed3.jsonl
expect_eq "the cut batch is audited with what it stored" \
    "$(sql $DB "SELECT json_extract(detail, '\$.cut') || ':' || (json_extract(detail, '\$.accepted') + json_extract(detail, '\$.duplicate') > 0) FROM audit_log WHERE action = 'ingest.batch' AND detail LIKE '%\"cut\"%'")" \
    "payload_too_large:1"
expect_http "wrong content type" ct 415 unsupported_media_type POST /api/v1/events -H "$AUTH" \
    -H "Content-Type: text/plain" --data-binary @mixed.jsonl
expect_http "still healthy" h 200 - GET /healthz

# back-pressure: one slow ingest holds the only slot; another gets 429
rm -f slow.fifo
mkfifo slow.fifo
curl -s -o slow.body -w '%{http_code}' -X POST -H "$AUTH" -H "$ND" -T slow.fifo "$URL/api/v1/events" > slow.status &
CURL_PID=$!
exec 3> slow.fifo
head -n 1 mixed.jsonl >&3
i=0
while [ $i -lt 600 ]; do
    curl -s "$URL/metrics" | grep -qx 'tianyan_ingest_requests_in_progress 1' && break
    sleep 0.1
    i=$((i + 1))
done
expect_http "busy: 429" busy 429 too_many_requests POST /api/v1/events -H "$AUTH" -H "$ND" --data-binary @mixed.jsonl
expect_eq "Retry-After" "$(header busy.hdr Retry-After)" 7
exec 3>&-
wait $CURL_PID
expect_eq "the slow one succeeds" "$(cat slow.status)" 200
expect_eq "its event was a duplicate" "$(j slow.body '$.duplicate')" 1
curl -s "$URL/metrics" > metrics.txt
expect_contains "refusal counted" metrics.txt 'tianyan_ingest_refused_total{reason="concurrency"} 1'
expect_contains "accepted counted" metrics.txt "tianyan_ingest_events_total{outcome=\"accepted\"} $(($(j f1.body '$.accepted') + 2))"
expect_contains "rejects by class" metrics.txt 'tianyan_ingest_rejects_total{class="syntax"} 2'

# ---- warnings: filters and keyset paging (the fixture's four warnings)
PW="correct horse battery"
echo "$PW" | "$TIANYAN" user --db $DB add ana --role analyst > /dev/null
http login POST /api/v1/session -H 'Content-Type: application/json' \
    --data-binary "{\"name\":\"ana\",\"password\":\"$PW\",\"token\":true}" > /dev/null
A="Authorization: Bearer $(j login.body '$.token')"
ids() { sqlite3 :memory: "SELECT group_concat(value ->> 'id') FROM json_each(readfile('$1'), '\$.warnings')"; }
expect_http "list" l 200 - GET /api/v1/warnings -H "$A"
expect_eq "active, most severe first" "$(ids l.body)" "1,4,2"
expect_http "all" la 200 - GET '/api/v1/warnings?state=all' -H "$A"
expect_eq "all states" "$(ids la.body)" "1,4,3,2"
expect_http "min level" ml 200 - GET '/api/v1/warnings?min_level=II' -H "$A"
expect_eq "II and above" "$(ids ml.body)" "1,4"
expect_http "entity" en 200 - GET '/api/v1/warnings?entity=product:SKU-1' -H "$A"
expect_eq "by entity" "$(ids en.body)" 1
expect_http "platform" pl 200 - GET '/api/v1/warnings?platform=jd-intl' -H "$A"
expect_eq "by platform" "$(ids pl.body)" 2
got=""
after=""
pages=0
while [ $pages -lt 10 ]; do
    q="/api/v1/warnings?state=all&limit=1"
    [ -n "$after" ] && q="$q&after=$after"
    http pg GET "$q" -H "$A" > /dev/null
    got="$got${got:+,}$(ids pg.body)"
    pages=$((pages + 1))
    after=$(j pg.body '$.next')
    [ -z "$after" ] && break
done
expect_eq "keyset paging" "$got" "1,4,3,2"
expect_eq "pages" "$pages" 4
expect_http "bad level" bl 400 invalid_parameter GET '/api/v1/warnings?min_level=V' -H "$A"
expect_eq "names the parameter" "$(j bl.body '$.error.parameter')" min_level
expect_http "bad limit" bli 400 invalid_parameter GET '/api/v1/warnings?limit=0' -H "$A"
expect_http "bad time" bt 400 invalid_parameter GET '/api/v1/warnings?from=yesterday' -H "$A"
expect_http "bad cursor" bc 400 invalid_parameter GET '/api/v1/warnings?after=1.2' -H "$A"
expect_http "typo in a parameter" ty 400 invalid_parameter GET '/api/v1/warnings?limt=5' -H "$A"
expect_contains "names it" ty.body 'query parameter \"limt\" is not known'
for p in detector platform group entity; do
    for v in "x'%20OR%20'1'='1" "x%22;%20DROP%20TABLE%20warnings;--" "product:x'%20OR%201=1--"; do
        st=$(http sq GET "/api/v1/warnings?$p=$v&state=all" -H "$A")
        case "$st/$(ids sq.body)" in
        200/ | 400/) ok ;;
        *) bad "SQL metacharacters in $p=$v: status $st, warnings $(ids sq.body)" ;;
        esac
    done
done
expect_eq "the warnings are all still there" "$(sql $DB "SELECT count(*) FROM warnings")" 4

# graceful stop: a request in progress when SIGTERM comes is finished and
# answered; new connections are refused meanwhile
rm -f last.fifo
mkfifo last.fifo
curl -s -o last.body -w '%{http_code}' -X POST -H "$AUTH" -H "$ND" -T last.fifo "$URL/api/v1/events" > last.status &
CURL_PID=$!
exec 3> last.fifo
head -n 1 mixed.jsonl >&3
i=0
while [ $i -lt 600 ]; do
    curl -s "$URL/metrics" | grep -qx 'tianyan_ingest_requests_in_progress 1' && break
    sleep 0.1
    i=$((i + 1))
done
kill -TERM "$SERVER_PID"
i=0
while ! grep -qF '"msg":"stopping"' ing.log && [ $i -lt 600 ]; do
    sleep 0.1
    i=$((i + 1))
done
st=$(curl -s -o /dev/null -w '%{http_code}' "$URL/healthz")
expect_eq "no new connection while stopping" "$st" 000
sed -n 2,3p mixed.jsonl >&3
exec 3>&-
wait $CURL_PID
expect_eq "the request in progress is answered" "$(cat last.status)" 200
expect_eq "and its events counted" "$(j last.body '$.duplicate')/$(j last.body '$.rejected')" 1/2
wait "$SERVER_PID"
STOP_STATUS=$?
SERVER_PID=
expect_eq "clean exit" "$STOP_STATUS" 0
expect_contains "nothing cut" ing.log '"msg":"stopped","requests_cut":"0","writer":"ok"'
expect_eq "batches audited with their counts" \
    "$(sql $DB "SELECT count(*) FROM audit_log WHERE action = 'ingest.batch' AND actor = 'platform:haitun' AND object = 'platform:haitun'")" 9
expect_eq "first batch's counts" \
    "$(sql $DB "SELECT json_extract(detail, '\$.accepted') || '/' || json_extract(detail, '\$.format') FROM audit_log WHERE action = 'ingest.batch' ORDER BY seq LIMIT 1")" \
    "$(j f1.body '$.accepted')/jsonl"
"$TIANYAN" audit --db $DB verify > verify.txt
expect_status "audit verify" $? 0

# a writer queue of one chunk: body chunks are decoded on worker threads while
# it is full, and the result is the same
"$TIANYAN" platform --db q.db add haitun > /dev/null
QKEY=$("$TIANYAN" key --db q.db issue --platform haitun 2> /dev/null)
start_server q --db q.db --ingest-queue-chunks 1 --workers 2
expect_http "through a tiny queue" tq 200 - POST /api/v1/events -H "Authorization: Bearer $QKEY" -H "$ND" --data-binary @$FEED
expect_eq "the same events" "$(j tq.body '$.accepted')" "$(j cli.json '$.accepted')"
expect_eq "stored" "$(sql q.db "SELECT count(*) FROM events")" "$(j cli.json '$.accepted')"
http qm GET /metrics > /dev/null
n=$(sed -n 's/^tianyan_ingest_offloaded_chunks_total \([0-9]*\)$/\1/p' qm.body)
if [ "${n:-0}" -ge 1 ]; then ok; else bad "no body chunk was decoded on a worker (${n:-none})"; fi
stop_server
expect_eq "clean exit (tiny queue)" "$STOP_STATUS" 0

finish
