# lib.sh - helpers for the black-box CLI tests (sourced by tests/cli/t*.sh).
# Environment from ctest: TIANYAN (binary), TY_SHARED_DATA, TY_SOURCE, TY_SCRATCH.
set -u
: "${TIANYAN:?TIANYAN must point at the tianyan binary}"
: "${TY_SCRATCH:=${TMPDIR:-/tmp}/tianyan-test.$$}"
rm -rf "$TY_SCRATCH"
mkdir -p "$TY_SCRATCH"
cd "$TY_SCRATCH" || exit 1

fails=0
checks=0

ok() { checks=$((checks + 1)); }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL: $*" >&2; }

# expect_eq WHAT GOT EXPECTED
expect_eq() {
    if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', expected '$3'"; fi
}

# expect_contains WHAT FILE TEXT: FILE contains the fixed string TEXT
expect_contains() {
    if grep -qF -- "$3" "$2"; then ok; else bad "$1: '$3' not found in $2:"; sed 's/^/    /' "$2" >&2; fi
}

# expect_status WHAT GOT EXPECTED
expect_status() { expect_eq "$1 exit status" "$2" "$3"; }

# sql DB QUERY: one value from the store (sqlite3 CLI, read-only)
sql() { sqlite3 -readonly "$1" "$2"; }

finish() {
    if [ "$fails" -ne 0 ]; then
        echo "$(basename "$0"): $fails of $checks checks failed" >&2
        exit 1
    fi
    echo "$(basename "$0"): $checks checks passed"
    exit 0
}

require_data() {
    if [ ! -e "$TY_SHARED_DATA/$1" ]; then
        echo "FAIL: public data $TY_SHARED_DATA/$1 is missing (tests never skip)" >&2
        exit 1
    fi
}
