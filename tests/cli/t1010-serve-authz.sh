#!/bin/sh
# t1010-serve-authz: the authorization matrix of `tianyan serve`. Every route
# of the table is called as every role - the public, admin, analyst (bearer
# token and cookie with CSRF), expert, inspector, a platform's user, and the
# API keys of platform A (tmall-global) and platform B (jd-intl) - and both
# what is allowed and what is denied are asserted. A platform principal reading
# another platform's warnings gets 403/404 and never the data; what a platform
# key sends is stored under its own platform. Last, every route of the OpenAPI
# document must have been called here, allowed at least once and (unless it is
# public) denied at least once, and the server's access log must show it.
. "$TY_SOURCE/tests/cli/lib.sh"
. "$TY_SOURCE/tests/cli/serve-lib.sh"

FIXTURE="$(dirname "$TIANYAN")/tests/test_warnings"
DB=a.db
"$FIXTURE" --fixture $DB || { echo "FAIL: fixture" >&2; exit 1; }
# fixture: 1 tmall-global I open, 2 jd-intl IV open, 3 tmall-global resolved,
# 4 brand across platforms II open
"$TIANYAN" platform --db $DB add tmall-global > /dev/null
"$TIANYAN" platform --db $DB add jd-intl > /dev/null
PW="correct horse battery"
for u in admin analyst expert inspector; do
    echo "$PW" | "$TIANYAN" user --db $DB add "u$u" --role $u > /dev/null || bad "user $u"
done
echo "$PW" | "$TIANYAN" user --db $DB add uplat --role platform --platform tmall-global > /dev/null
KEY_A=$("$TIANYAN" key --db $DB issue --platform tmall-global 2> /dev/null)
KEY_B=$("$TIANYAN" key --db $DB issue --platform jd-intl 2> /dev/null)

start_server authz --db $DB

# bearer session tokens for every user, and a cookie session for the analyst
for u in admin analyst expert inspector plat; do
    st=$(http login-$u POST /api/v1/session -H 'Content-Type: application/json' \
        --data-binary "{\"name\":\"u$u\",\"password\":\"$PW\",\"token\":true}")
    expect_eq "sign-in $u" "$st" 200
    eval "TOK_$u=\$(j login-$u.body '\$.token')"
    expect_eq "no cookie with token:true ($u)" "$(header login-$u.hdr Set-Cookie)" ""
done
st=$(http login-cookie POST /api/v1/session -c cookies.txt -H 'Content-Type: application/json' \
    --data-binary "{\"name\":\"uanalyst\",\"password\":\"$PW\"}")
expect_eq "cookie sign-in" "$st" 200
CSRF=$(j login-cookie.body '$.csrf_token')
expect_eq "no token in the body with a cookie" "$(j login-cookie.body '$.token')" ""
cookie=$(header login-cookie.hdr Set-Cookie)
case "$cookie" in
ty_session=*"; Path=/; Max-Age=28800; HttpOnly; SameSite=Strict") ok ;;
*) bad "cookie attributes: $cookie" ;;
esac

PRINCIPALS="public admin analyst cookie expert inspector plat keyA keyB"

# auth PRINCIPAL: the curl options that authenticate as it (one per line)
auth() {
    case $1 in
    public) ;;
    cookie) printf '%s\n' -b cookies.txt -H "X-CSRF-Token: $CSRF" ;;
    keyA) printf '%s\n' -H "Authorization: Bearer $KEY_A" ;;
    keyB) printf '%s\n' -H "Authorization: Bearer $KEY_B" ;;
    *) eval "printf '%s\n' -H \"Authorization: Bearer \$TOK_$1\"" ;;
    esac
}

: > matrix.log
n=0
# call PATTERN METHOD PATH PRINCIPAL EXPECTED [curl options...]
call() {
    _pat=$1
    _meth=$2
    _path=$3
    _who=$4
    _want=$5
    shift 5
    n=$((n + 1))
    set -f
    # shellcheck disable=SC2046
    _got=$(IFS='
'; http c$n "$_meth" "$_path" $(auth "$_who") "$@")
    set +f
    expect_eq "$_meth $_path as $_who" "$_got" "$_want"
    echo "$_meth $_pat $_who $_got" >> matrix.log
}

JSON='-H Content-Type:application/json'
everyone() { # PATTERN METHOD PATH STATUS
    for p in $PRINCIPALS; do call "$1" "$2" "$3" $p "$4"; done
}

# ---- operations and the OpenAPI document: anyone
everyone /healthz GET /healthz 200
everyone /readyz GET /readyz 200
everyone /metrics GET /metrics 200
everyone /api/v1/openapi.json GET /api/v1/openapi.json 200

# ---- sign-in: public, whoever asks; a wrong password is refused
for p in $PRINCIPALS; do
    call /api/v1/session POST /api/v1/session $p 200 $JSON \
        --data-binary "{\"name\":\"uexpert\",\"password\":\"$PW\",\"token\":true}"
done
call /api/v1/session POST /api/v1/session public 401 $JSON \
    --data-binary "{\"name\":\"uexpert\",\"password\":\"wrong password!\"}"
expect_eq "wrong password code" "$(j c$n.body '$.error.code')" invalid_credentials

# ---- who am I: anyone signed in
call /api/v1/session GET /api/v1/session public 401
for p in admin analyst cookie expert inspector plat keyA keyB; do
    call /api/v1/session GET /api/v1/session $p 200
done
expect_eq "key principal" "$(j c$n.body '$.role')/$(j c$n.body '$.platform')/$(j c$n.body '$.via')" platform/jd-intl/api_key
call /api/v1/session GET /api/v1/session plat 200
expect_eq "platform user" "$(j c$n.body '$.role')/$(j c$n.body '$.platform')" platform/tmall-global

# ---- warnings: read by admin, analyst, expert and platforms (their own only)
call /api/v1/warnings GET /api/v1/warnings public 401
call /api/v1/warnings GET /api/v1/warnings inspector 403
for p in admin analyst cookie expert; do
    call /api/v1/warnings GET /api/v1/warnings $p 200
    expect_eq "$p sees every active warning" "$(sqlite3 :memory: "SELECT group_concat(value ->> 'id') FROM json_each(readfile('c$n.body'), '\$.warnings')")" "1,4,2"
done
for p in plat keyA; do
    call /api/v1/warnings GET /api/v1/warnings $p 200
    expect_eq "$p sees platform A's only" "$(sqlite3 :memory: "SELECT group_concat(value ->> 'id') FROM json_each(readfile('c$n.body'), '\$.warnings')")" "1"
done
call /api/v1/warnings GET '/api/v1/warnings?state=all' keyB 200
expect_eq "keyB sees platform B's only" "$(sqlite3 :memory: "SELECT group_concat(value ->> 'id') FROM json_each(readfile('c$n.body'), '\$.warnings')")" "2"
call /api/v1/warnings GET '/api/v1/warnings?platform=jd-intl' keyA 403
call /api/v1/warnings GET '/api/v1/warnings?platform=tmall-global' keyB 403
call /api/v1/warnings GET '/api/v1/warnings?platform=jd-intl' plat 403
if grep -q '"id"' c$n.body; then bad "a denied listing carried warnings"; else ok; fi

call '/api/v1/warnings/{id}' GET /api/v1/warnings/1 public 401
call '/api/v1/warnings/{id}' GET /api/v1/warnings/1 inspector 403
for p in admin analyst cookie expert plat keyA; do
    call '/api/v1/warnings/{id}' GET /api/v1/warnings/1 $p 200
done
expect_eq "detail has history" "$(j c$n.body '$.history[0].change')" opened
call '/api/v1/warnings/{id}' GET /api/v1/warnings/1 keyB 404
call '/api/v1/warnings/{id}' GET /api/v1/warnings/2 keyA 404
call '/api/v1/warnings/{id}' GET /api/v1/warnings/2 plat 404
call '/api/v1/warnings/{id}' GET /api/v1/warnings/4 keyA 404
call '/api/v1/warnings/{id}' GET /api/v1/warnings/2 keyB 200
if grep -q 'SKU-1' c$((n - 1)).body c$((n - 2)).body c$((n - 3)).body c$((n - 4)).body; then
    bad "another platform's warning leaked"
else ok; fi

# ---- acknowledge, silence, unsilence: admin and analyst; denied first
for route in ack silence unsilence; do
    for p in public expert inspector plat keyA keyB; do
        want=403
        [ $p = public ] && want=401
        call "/api/v1/warnings/{id}/$route" POST /api/v1/warnings/1/$route $p $want $JSON \
            --data-binary '{"reason":"matrix","for":"1h"}'
    done
done
SIL='{"reason":"matrix","for":"2h"}'
call '/api/v1/warnings/{id}/ack' POST /api/v1/warnings/1/ack admin 200
call '/api/v1/warnings/{id}/ack' POST /api/v1/warnings/2/ack analyst 200 $JSON --data-binary '{"note":"seen"}'
call '/api/v1/warnings/{id}/ack' POST /api/v1/warnings/4/ack cookie 200
expect_eq "acknowledged by the cookie's user" "$(j c$n.body '$.warning.acknowledged_by')" analyst:uanalyst
call '/api/v1/warnings/{id}/ack' POST /api/v1/warnings/4/ack cookie 409
call '/api/v1/warnings/{id}/ack' POST /api/v1/warnings/99/ack admin 404
call '/api/v1/warnings/{id}/ack' POST /api/v1/warnings/x/ack admin 400
# the cookie without its CSRF token is refused, and so is a wrong one
st=$(http nocsrf POST /api/v1/warnings/4/silence -b cookies.txt $JSON --data-binary "$SIL")
expect_eq "cookie without CSRF" "$st/$(j nocsrf.body '$.error.code')" 403/csrf_failed
st=$(http badcsrf POST /api/v1/warnings/4/silence -b cookies.txt -H "X-CSRF-Token: $TOK_admin" $JSON --data-binary "$SIL")
expect_eq "cookie with another CSRF" "$st/$(j badcsrf.body '$.error.code')" 403/csrf_failed
call '/api/v1/warnings/{id}/silence' POST /api/v1/warnings/1/silence admin 200 $JSON --data-binary "$SIL"
call '/api/v1/warnings/{id}/silence' POST /api/v1/warnings/2/silence analyst 200 $JSON --data-binary "$SIL"
call '/api/v1/warnings/{id}/silence' POST /api/v1/warnings/4/silence cookie 200 $JSON --data-binary "$SIL"
expect_eq "silenced" "$(j c$n.body '$.warning.silenced')" 1
call '/api/v1/warnings/{id}/silence' POST /api/v1/warnings/4/silence cookie 400 $JSON --data-binary '{"for":"2h"}'
call '/api/v1/warnings/{id}/silence' POST /api/v1/warnings/3/silence admin 409 $JSON --data-binary "$SIL"
call '/api/v1/warnings/{id}/unsilence' POST /api/v1/warnings/1/unsilence admin 200
call '/api/v1/warnings/{id}/unsilence' POST /api/v1/warnings/2/unsilence analyst 200 $JSON --data-binary '{"reason":"done"}'
call '/api/v1/warnings/{id}/unsilence' POST /api/v1/warnings/4/unsilence cookie 200
call '/api/v1/warnings/{id}/unsilence' POST /api/v1/warnings/4/unsilence cookie 409

# ---- events: a platform's API key only; each key writes its own platform
EV_A='{"spec_version":"1.0","type":"merchant","id":"M-1@1","time":"2026-02-01T10:00:00+08:00","merchant_id":"M-1","name":"Shop A","country":"JP"}'
EV_B='{"spec_version":"1.0","type":"merchant","id":"M-2@1","time":"2026-02-01T10:00:00+08:00","merchant_id":"M-2","name":"Shop B","country":"KR"}'
ND='-H Content-Type:application/x-ndjson'
for p in public admin analyst cookie expert inspector plat; do
    want=403
    [ $p = public ] && want=401
    call /api/v1/events POST /api/v1/events $p $want $ND --data-binary "$EV_A"
done
call /api/v1/events POST /api/v1/events keyA 200 $ND --data-binary "$EV_A"
expect_eq "A accepted" "$(j c$n.body '$.accepted')" 1
call /api/v1/events POST /api/v1/events keyB 200 $ND --data-binary "$EV_B"
expect_eq "B accepted" "$(j c$n.body '$.accepted')" 1
expect_eq "each key writes its own platform" \
    "$(sql $DB "SELECT group_concat(p.code || ':' || e.rid, ',') FROM events e JOIN platforms p ON p.id = e.platform ORDER BY e.seq")" \
    "tmall-global:M-1@1,jd-intl:M-2@1"

# ---- sign-out: sessions only; the token is dead afterwards
call /api/v1/session DELETE /api/v1/session public 401
call /api/v1/session DELETE /api/v1/session keyA 403
call /api/v1/session DELETE /api/v1/session keyB 403
st=$(http cdel DELETE /api/v1/session -b cookies.txt -H "X-CSRF-Token: wrong")
expect_eq "sign-out by cookie with a wrong CSRF token" "$st/$(j cdel.body '$.error.code')" 403/csrf_failed
echo "DELETE /api/v1/session cookie $st" >> matrix.log
for p in admin analyst expert inspector plat cookie; do
    call /api/v1/session DELETE /api/v1/session $p 204
done
expect_contains "cookie cleared" c$n.hdr "ty_session=; Path=/; Max-Age=0"
call /api/v1/session GET /api/v1/session analyst 401
expect_eq "ended token" "$(j c$n.body '$.error.code')" invalid_token
call /api/v1/session GET /api/v1/session cookie 401

stop_server
expect_eq "clean exit" "$STOP_STATUS" 0
"$TIANYAN" audit --db $DB verify > verify.txt
expect_status "audit verify" $? 0
expect_eq "audited actions" "$(sql $DB "SELECT group_concat(action, ',') FROM (SELECT DISTINCT action FROM audit_log WHERE seq > 9 ORDER BY action)")" \
    "ingest.batch,session.login,session.logout,warning.ack,warning.silence,warning.unsilence"

# ---- every route of the table was called, allowed and denied
"$TIANYAN" serve --openapi > openapi.json
sqlite3 :memory: "SELECT upper(m.key) || ' ' || p.key || ' ' || (SELECT json_group_array(value) FROM json_each(m.value, '\$."x-roles"')) FROM json_each(readfile('openapi.json'), '\$.paths') p, json_each(p.value) m" > routes.txt
nroutes=$(wc -l < routes.txt | tr -d ' ')
if [ "$nroutes" -ge 13 ]; then ok; else bad "only $nroutes routes in the OpenAPI document"; fi
while read -r meth pat roles; do
    if awk -v m="$meth" -v p="$pat" '$1 == m && $2 == p && $4 ~ /^2/ { f = 1 } END { exit !f }' matrix.log; then ok; else
        bad "$meth $pat is never called with success"
    fi
    case "$roles" in
    *public*) ;;
    *) if awk -v m="$meth" -v p="$pat" '$1 == m && $2 == p && ($4 == 401 || $4 == 403) { f = 1 } END { exit !f }' matrix.log; then ok; else
        bad "$meth $pat is never denied"
    fi ;;
    esac
    for who in $PRINCIPALS; do
        if awk -v m="$meth" -v p="$pat" -v w="$who" '$1 == m && $2 == p && $3 == w { f = 1 } END { exit !f }' matrix.log; then ok; else
            bad "$meth $pat is never called as $who"
        fi
    done
    if awk -v a="\"method\":\"$meth\"" -v b="\"route\":\"$pat\"" 'index($0, a) && index($0, b) { f = 1 } END { exit !f }' authz.log; then ok; else
        bad "the access log never shows $meth $pat"
    fi
done < routes.txt

finish
