#!/bin/sh
# t1000-serve: `tianyan serve` as a black box: configuration (file, environment,
# flags, precedence, errors naming the key and the source, --help listing every
# key), the default loopback address, health and readiness, the headers every
# answer carries, JSON errors with stable codes (404, 405, 400, 401, 413, 415,
# 431), request ids, structured access logs, /metrics through promtool, the
# OpenAPI document, HTTPS with Secure cookies, and a clean stop on SIGTERM.
. "$TY_SOURCE/tests/cli/lib.sh"
. "$TY_SOURCE/tests/cli/serve-lib.sh"

DB=s.db
"$TIANYAN" platform --db $DB add tmall-global > /dev/null

# ---------------------------------------------------------------- configuration

"$TIANYAN" serve --help > help.txt
expect_status "serve --help" $? 0
"$TIANYAN" serve --config-md > keys.md
keys=$(awk -F'`' '/^\| `/ { print $2 }' keys.md)
n=0
for k in $keys; do
    n=$((n + 1))
    flag=$(echo "$k" | tr _ -)
    expect_contains "--help lists $k" help.txt "--$flag "
done
if [ "$n" -ge 20 ]; then ok; else bad "only $n keys read from --config-md"; fi

"$TIANYAN" serve > none.out 2> none.err
expect_status "no store" $? 2
expect_contains "db is required" none.err "db: the store file is required"

printf '# settings\n[server]\ndb = %s\nport = abc\n' "$DB" > bad.ini
"$TIANYAN" serve --config bad.ini 2> badini.err
expect_status "bad file value" $? 2
expect_contains "file:line and key" badini.err "bad.ini:4: port: must be an integer from 0 to 65535, got \"abc\""
printf 'db = %s\nmax_bodybytes = 5\n' "$DB" > typo.ini
"$TIANYAN" serve --config typo.ini 2> typo.err
expect_status "unknown file key" $? 2
expect_contains "unknown key named" typo.err "typo.ini:2: unknown key \"max_bodybytes\""
TIANYAN_THREADS=0 "$TIANYAN" serve --db $DB 2> env.err
expect_status "bad environment value" $? 2
expect_contains "env var and key" env.err "TIANYAN_THREADS: threads: must be an integer from 1 to 256, got \"0\""
"$TIANYAN" serve --db $DB --access-log maybe 2> flag.err
expect_status "bad flag value" $? 2
expect_contains "flag and key" flag.err "--access-log: access_log: must be true or false"
"$TIANYAN" serve --db $DB --no-such-key 1 2> nokey.err
expect_status "unknown flag" $? 2
expect_contains "unknown flag named" nokey.err "unknown key \"no-such-key\""
"$TIANYAN" serve --db $DB --tls-cert x.pem 2> tls.err
expect_status "half TLS" $? 2
expect_contains "TLS pair" tls.err "tls_key: HTTPS needs both tls_cert and tls_key"

# precedence: file < environment < flag (the port file is where each says)
printf 'db = %s\nport_file = from-file.port\nport = 0\nshutdown_timeout = 5\n' "$DB" > good.ini
TIANYAN_PORT_FILE=from-env.port "$TIANYAN" serve --config good.ini --port-file from-flag.port 2> prec.log &
SERVER_PID=$!
i=0
while [ ! -s from-flag.port ] && [ $i -lt 600 ] && kill -0 $SERVER_PID 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
done
expect_eq "the flag wins" "$(test -s from-flag.port && echo yes)" yes
expect_eq "not the environment" "$(test -e from-env.port && echo yes)" ""
expect_eq "not the file" "$(test -e from-file.port && echo yes)" ""
stop_server
TIANYAN_PORT_FILE=from-env.port "$TIANYAN" serve --config good.ini 2> prec2.log &
SERVER_PID=$!
i=0
while [ ! -s from-env.port ] && [ $i -lt 600 ] && kill -0 $SERVER_PID 2>/dev/null; do
    sleep 0.1
    i=$((i + 1))
done
expect_eq "the environment over the file" "$(test -s from-env.port && echo yes)" yes
expect_eq "not the file either" "$(test -e from-file.port && echo yes)" ""
stop_server

# ---------------------------------------------------------------- a running server

start_server main --db $DB --max-headers 20 --max-body-bytes 2048
expect_contains "binds loopback by default" main.log '"msg":"listening","address":"127.0.0.1"'

expect_http "healthz" h 200 - GET /healthz
expect_eq "healthz body" "$(j h.body '$.status')" ok
for hdr in "Content-Security-Policy: default-src 'none'" "X-Content-Type-Options: nosniff" \
    "Referrer-Policy: no-referrer" "X-Frame-Options: DENY" "Cache-Control: no-store" \
    "Content-Type: application/json"; do
    expect_contains "header $hdr" h.hdr "$hdr"
done
rid=$(header h.hdr X-Request-Id)
expect_eq "request id shape" "$(echo "$rid" | grep -cE '^[0-9a-f]{16}$')" 1
expect_http "readyz" r 200 - GET /readyz
expect_eq "readyz body" "$(j r.body '$.status')" ready

# errors: JSON with a stable code, the request id of the header, and the headers
expect_http "unknown route" nf 404 not_found GET /api/v1/nothing
expect_eq "error carries the request id" "$(j nf.body '$.error.request_id')" "$(header nf.hdr X-Request-Id)"
expect_contains "security headers on errors" nf.hdr "X-Content-Type-Options: nosniff"
expect_contains "no-store on errors" nf.hdr "Cache-Control: no-store"
expect_http "wrong method" m 405 method_not_allowed DELETE /healthz
expect_eq "Allow" "$(header m.hdr Allow)" GET
expect_http "unauthenticated" u 401 unauthenticated GET /api/v1/warnings
expect_contains "challenge" u.hdr "WWW-Authenticate: Bearer"
expect_http "bad token" bt 401 invalid_token GET /api/v1/warnings -H "Authorization: Bearer nope"
expect_http "bad key" bk 401 invalid_token GET /api/v1/warnings \
    -H "Authorization: Bearer tyk_aaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
expect_http "basic auth is not ours" ba 401 unauthenticated GET /api/v1/warnings -u a:b

# bad input on the sign-in route (public, JSON body)
expect_http "malformed JSON" mj 400 invalid_json POST /api/v1/session \
    -H 'Content-Type: application/json' --data-binary '{"name": "a", '
printf '{"name":"\377\376","password":"x"}' > badutf8.json
expect_http "invalid UTF-8" iu 400 invalid_json POST /api/v1/session \
    -H 'Content-Type: application/json' --data-binary @badutf8.json
expect_http "not an object" na 400 invalid_json POST /api/v1/session \
    -H 'Content-Type: application/json' --data-binary '[1,2]'
expect_http "unknown field" uf 400 invalid_parameter POST /api/v1/session \
    -H 'Content-Type: application/json' --data-binary '{"name":"a","password":"b","admin":true}'
expect_contains "names the field" uf.body 'field \"admin\": unknown'
expect_http "wrong content type" ct 415 unsupported_media_type POST /api/v1/session \
    -H 'Content-Type: text/plain' --data-binary '{"name":"a","password":"b"}'
head -c 4096 /dev/zero | tr '\0' 'x' > big.txt
expect_http "over max_body_bytes" big 413 payload_too_large POST /api/v1/session \
    -H 'Content-Type: application/json' --data-binary @big.txt
expect_contains "says the limit" big.body "accepts at most 2048"
expect_http "over the limit, chunked" bigc 413 payload_too_large POST /api/v1/session \
    -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @big.txt
expect_http "SQL metacharacters are data" sq 401 invalid_credentials POST /api/v1/session \
    -H 'Content-Type: application/json' --data-binary "{\"name\":\"x' OR '1'='1\",\"password\":\"'; DROP TABLE users; --\"}"
set --
for i in $(seq 1 30); do set -- "$@" -H "X-Flood-$i: $i"; done
expect_http "header flood" hf 431 too_many_headers GET /healthz "$@"
big_header=$(head -c 40000 /dev/zero | tr '\0' 'h')
expect_http "one huge header" hh 431 headers_too_large GET /healthz -H "X-Big: $big_header"
expect_contains "says the limit" hh.body "at most 32768 are accepted"
expect_http "unknown query parameter" qp 400 invalid_parameter GET /api/v1/openapi.json?x=1
expect_http "path traversal is no route" pt 404 not_found GET /api/v1/../../etc/passwd --path-as-is
expect_http "not UTF-8 in the path: still a JSON answer" nu 404 not_found GET '/api/v1/x%ff%fe'
long=$(printf '%%E4%%B8%%AD%.0s' $(seq 1 30))
expect_http "a parameter cut inside a character: still JSON" cu 400 invalid_parameter GET "/api/v1/openapi.json?$long=1"
expect_http "still healthy" h2 200 - GET /healthz

# the OpenAPI document, served and printed, is the same JSON
expect_http "openapi" oa 200 - GET /api/v1/openapi.json
"$TIANYAN" serve --openapi > openapi-cli.json
expect_eq "same document" "$(sqlite3 :memory: "SELECT json(readfile('oa.body')) = json(readfile('openapi-cli.json'))")" 1
expect_eq "OpenAPI 3" "$(j oa.body '$.openapi')" 3.0.3
expect_eq "routes described" "$(j oa.body '$.paths."/api/v1/warnings".get.operationId')" getApiV1Warnings

# metrics: the Prometheus format as promtool reads it, with what was counted
expect_http "metrics" mt 200 - GET /metrics
expect_contains "text format" mt.hdr "Content-Type: text/plain; version=0.0.4"
promtool check metrics < mt.body > promtool.out 2>&1
expect_status "promtool check metrics" $? 0
expect_contains "requests by route and status" mt.body 'tianyan_http_requests_total{route="/healthz",method="GET",status="200"} 2'
expect_contains "latency histogram" mt.body 'tianyan_http_request_duration_seconds_bucket{route="/healthz",method="GET",le="+Inf"} 2'
expect_contains "errors by code" mt.body 'tianyan_http_errors_total{code="payload_too_large"} 2'
expect_contains "unmatched routes" mt.body 'tianyan_http_requests_total{route="unmatched",method="any",status="404"}'
expect_contains "ingest counters" mt.body 'tianyan_ingest_events_total{outcome="accepted"} 0'
expect_contains "warnings by level" mt.body 'tianyan_warnings{level="I",state="open"} 0'

stop_server
expect_eq "SIGTERM: clean exit" "$STOP_STATUS" 0
expect_contains "stop logged" main.log '"msg":"stopped","requests_cut":"0","writer":"ok"'
# access log: one JSON line per request, with its id, route and status
grep '"msg":"request"' main.log > access.jsonl
expect_eq "access lines are JSON objects" "$(grep -vc '^{.*}$' access.jsonl)" 0
if [ "$(wc -l < access.jsonl)" -ge 20 ]; then ok; else bad "only $(wc -l < access.jsonl) access lines"; fi
expect_contains "request id logged" access.jsonl "\"request_id\":\"$rid\",\"remote\":\"127.0.0.1\",\"method\":\"GET\",\"path\":\"/healthz\",\"route\":\"/healthz\",\"status\":200"
expect_contains "error code logged" access.jsonl '"status":413,"error":"payload_too_large"'

# ---------------------------------------------------------------- rate limits

# count_status NAME N METHOD PATH [curl options...]: how many of N calls answer 429
count_429() {
    _c=0
    _k=0
    _nn=$1
    shift
    while [ $_k -lt "$_nn" ]; do
        [ "$(http rl "$@")" = 429 ] && _c=$((_c + 1)) && cp rl.body rl429.body && cp rl.hdr rl429.hdr
        _k=$((_k + 1))
    done
    echo $_c
}
echo "correct horse battery" | "$TIANYAN" user --db $DB add rl1 --role expert > /dev/null
echo "correct horse battery" | "$TIANYAN" user --db $DB add rl2 --role expert > /dev/null
start_server rate --db $DB --rate-limit-address 1 --rate-burst-address 3 --rate-limit-principal 0
got=$(count_429 20 GET /healthz)
if [ "$got" -ge 10 ]; then ok; else bad "20 quick requests at 1/s with bursts of 3: only $got answered 429"; fi
expect_eq "rate limit code" "$(j rl429.body '$.error.code')" too_many_requests
expect_contains "says why" rl429.body "too many requests from this address (1 per second, bursts of 3)"
ra=$(header rl429.hdr Retry-After)
if [ "${ra:-0}" -ge 1 ]; then ok; else bad "Retry-After: '$ra'"; fi
stop_server
start_server rate2 --db $DB --rate-limit-address 0 --rate-limit-principal 1 --rate-burst-principal 3
for u in rl1 rl2; do
    http login-$u POST /api/v1/session -H 'Content-Type: application/json' \
        --data-binary "{\"name\":\"$u\",\"password\":\"correct horse battery\",\"token\":true}" > /dev/null
done
T1="Authorization: Bearer $(j login-rl1.body '$.token')"
T2="Authorization: Bearer $(j login-rl2.body '$.token')"
got=$(count_429 20 GET /api/v1/session -H "$T1")
if [ "$got" -ge 10 ]; then ok; else bad "one principal at 1/s: only $got of 20 answered 429"; fi
expect_contains "per principal" rl429.body "too many requests from this user or key"
expect_http "another principal is not limited by it" rl2 200 - GET /api/v1/session -H "$T2"
expect_http "nor is the public" rlp 200 - GET /healthz
http rlm GET /metrics > /dev/null
expect_contains "counted" rlm.body 'tianyan_rate_limited_total{by="principal"}'
stop_server

# ---------------------------------------------------------------- slow and endless clients

start_server slow --db $DB --connection-timeout 1 --max-body-bytes 2048
rm -f stall.fifo
mkfifo stall.fifo
curl -s -o stall.body -w '%{http_code}' --max-time 120 -X POST -H 'Content-Type: application/json' \
    -T stall.fifo "$URL/api/v1/session" > stall.status 2> /dev/null &
STALL_PID=$!
exec 4> stall.fifo
printf '{"name":' >&4
# the server closes the stalled connection; then the fifo is closed too, so
# that curl, blocked reading it, sees the closed connection and ends
_i=0
while ! grep -qF '"terminated":"timeout"' slow.log && [ $_i -lt 600 ]; do
    sleep 0.1
    _i=$((_i + 1))
done
exec 4>&-
wait $STALL_PID
case "$(cat stall.status)" in
000 | 100) ok ;; # curl shows the last status it saw: none, or 100 Continue
*) bad "a stalled body was answered $(cat stall.status)" ;;
esac
grep -F '"terminated":"timeout"' slow.log > timeout.txt
expect_contains "logged as a timeout" timeout.txt '"route":"/api/v1/session"'
head -c 3000000 /dev/zero | tr '\0' 'x' > endless.txt
st=$(http endless POST /api/v1/session -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @endless.txt)
case "$st" in
000 | 100 | 413) ok ;;
*) bad "a body far over the limit: status $st (expected 413 or the connection cut)" ;;
esac
expect_http "healthy after both" sh 200 - GET /healthz
stop_server
expect_eq "clean exit after slow clients" "$STOP_STATUS" 0

# ---------------------------------------------------------------- SIGHUP

# wait_log FILE TEXT: polls until the log holds TEXT (bounded)
wait_log() {
    _i=0
    while ! grep -qF -- "$2" "$1" && [ $_i -lt 600 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
}
printf 'db = %s
max_body_bytes = 2048
' "$DB" > hup.ini
start_server hup --config hup.ini
expect_http "before the reload" hb 413 payload_too_large POST /api/v1/session \
    -H 'Content-Type: application/json' --data-binary @big.txt
printf 'db = %s
max_body_bytes = 8192
threads = 2
' "$DB" > hup.ini
kill -HUP "$SERVER_PID"
wait_log hup.log '"msg":"reloaded"'
expect_contains "reloaded" hup.log '"msg":"reloaded","changed":"max_body_bytes"'
expect_contains "restart needed" hup.log '"msg":"these settings changed but take effect only after a restart","keys":"threads"'
expect_http "after the reload" ha 400 invalid_json POST /api/v1/session \
    -H 'Content-Type: application/json' --data-binary @big.txt
printf 'db = %s
max_body_bytes = lots
' "$DB" > hup.ini
kill -HUP "$SERVER_PID"
wait_log hup.log '"msg":"reload refused'
expect_contains "bad reload refused" hup.log 'hup.ini:2: max_body_bytes: must be an integer'
expect_http "the settings in force are kept" hk 400 invalid_json POST /api/v1/session \
    -H 'Content-Type: application/json' --data-binary @big.txt
stop_server
expect_eq "clean exit after reloads" "$STOP_STATUS" 0

# ---------------------------------------------------------------- HTTPS

openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 2 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 > openssl.out 2>&1
expect_status "self-signed certificate" $? 0
echo "correct horse battery" | "$TIANYAN" user --db $DB add ana --role analyst > /dev/null
start_server tls --db $DB --tls-cert tls.crt --tls-key tls.key
URL=$(echo "$URL" | sed 's/^http:/https:/')
expect_http "https" th 200 - GET /healthz --cacert tls.crt
expect_contains "HSTS over TLS" th.hdr "Strict-Transport-Security: max-age="
expect_http "sign in over TLS" tl 200 - POST /api/v1/session --cacert tls.crt \
    -H 'Content-Type: application/json' --data-binary '{"name":"ana","password":"correct horse battery"}'
cookie=$(header tl.hdr Set-Cookie)
case "$cookie" in
*"HttpOnly; SameSite=Strict; Secure"*) ok ;;
*) bad "cookie over TLS: $cookie" ;;
esac
plain=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat tls.port)/healthz")
if [ "$plain" != 200 ]; then ok; else bad "plain HTTP answered on the TLS port"; fi
stop_server
expect_eq "TLS server: clean exit" "$STOP_STATUS" 0

finish
