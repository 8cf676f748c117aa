# serve-lib.sh - helpers for the black-box tests of `tianyan serve` (sourced
# after lib.sh by tests/cli/t10*-serve*.sh). The server runs on a free
# loopback port (--port 0 --port-file), is stopped with SIGTERM at the end, and
# is killed if the test exits early. No check depends on timing: waits poll a
# condition with a bound.

SERVER_PID=
URL=
trap 'if [ -n "$SERVER_PID" ]; then kill -9 "$SERVER_PID" 2>/dev/null; fi' EXIT

# start_server NAME [serve options...]: logs to NAME.log; sets URL and SERVER_PID
start_server() {
    _name=$1
    shift
    rm -f "$_name.port"
    "$TIANYAN" serve --port 0 --port-file "$_name.port" "$@" 2> "$_name.log" &
    SERVER_PID=$!
    _i=0
    while [ ! -s "$_name.port" ] && [ $_i -lt 600 ]; do
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
        _i=$((_i + 1))
    done
    if [ ! -s "$_name.port" ]; then
        echo "FAIL: the server did not start:" >&2
        sed 's/^/    /' "$_name.log" >&2
        exit 1
    fi
    URL="http://127.0.0.1:$(cat "$_name.port")"
}

# stop_server: SIGTERM, then its exit status in STOP_STATUS
stop_server() {
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID"
    STOP_STATUS=$?
    SERVER_PID=
}

# http NAME METHOD PATH [curl options...]: body in NAME.body, headers in
# NAME.hdr; prints the status
http() {
    _n=$1
    _m=$2
    _p=$3
    shift 3
    curl -s -o "$_n.body" -D "$_n.hdr" -w '%{http_code}' -X "$_m" "$@" "$URL$_p"
}

# j FILE PATH: a value of a JSON file (sqlite3's JSON functions)
j() { sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2')"; }

# header FILE NAME: the value of a response header (last one), without CR
header() { grep -i "^$2:" "$1" | tail -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'; }

# expect_http WHAT NAME EXPECTED-STATUS EXPECTED-CODE METHOD PATH [curl options...]:
# the status and, for an error, the error code of the JSON body
expect_http() {
    _what=$1
    _nm=$2
    _st=$3
    _code=$4
    shift 4
    _got=$(http "$_nm" "$@")
    expect_eq "$_what: status" "$_got" "$_st"
    if [ "$_code" != "-" ]; then
        expect_eq "$_what: error code" "$(j "$_nm.body" '$.error.code')" "$_code"
    fi
}
