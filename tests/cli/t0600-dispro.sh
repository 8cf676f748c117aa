#!/bin/sh
# t0600-dispro: `tianyan stats dispro` prints the disproportionality statistics
# of a 2x2 table as JSON (checked against the numbers the faers R package
# printed for the same table, README.md for faers 1.1.7: a=5 b=4 c=23 d=168),
# marks what a table cannot support as null, refuses bad command lines with
# exit status 2, and `tianyan stats --db` still counts a store.
. "$TY_SOURCE/tests/cli/lib.sh"

# jq-free JSON reading with the sqlite3 CLI: j FILE PATH [DIGITS]
j() {
    if [ $# -eq 3 ]; then
        sqlite3 :memory: "SELECT printf('%.$3f', json_extract(readfile('$1'), '$2'))"
    else
        sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2')"
    fi
}

"$TIANYAN" stats dispro --a 5 --b 4 --c 23 --d 168 --json > t1.json 2> err1.txt
expect_status "json table" $? 0
expect_eq "n" "$(j t1.json '$.n')" 200
expect_eq "expected" "$(j t1.json '$.expected' 2)" 1.26
expect_eq "prr" "$(j t1.json '$.prr.value' 7)" 4.6135266
expect_eq "prr lower" "$(j t1.json '$.prr.lower' 8)" 2.29367967
expect_eq "prr upper" "$(j t1.json '$.prr.upper' 6)" 9.279686
expect_eq "ror" "$(j t1.json '$.ror.value' 7)" 9.1304348
expect_eq "ror lower" "$(j t1.json '$.ror.lower' 8)" 2.28530339
expect_eq "ror upper" "$(j t1.json '$.ror.upper' 6)" 36.478675
expect_eq "yates chi2" "$(j t1.json '$.chi2.yates' 5)" 10.14420
expect_eq "yates p" "$(j t1.json '$.chi2.yates_p' 9)" 0.001447562
expect_eq "evans" "$(j t1.json '$.evans')" 1
expect_eq "ic" "$(j t1.json '$.ic.value' 8)" 1.64385619
expect_eq "ic025" "$(j t1.json '$.ic.ic025' 7)" 0.0816764
expect_eq "bcpnn" "$(j t1.json '$.bcpnn.value' 8)" 1.27887175
expect_eq "bcpnn lower" "$(j t1.json '$.bcpnn.lower' 7)" -0.2922032
expect_eq "no mgps without a prior" "$(j t1.json '$.mgps')" ""
expect_eq "mgps listed as not computed" "$(j t1.json '$.undefined')" '["mgps"]'

# With a prior (openEBGM's fit to its caers data): EB05 <= EBGM <= EB95
P=3.25379064,0.39988801,2.02613219,1.90808279,0.06534557
"$TIANYAN" stats dispro --a 5 --b 4 --c 23 --d 168 --mgps $P --json > t2.json
expect_status "json with prior" $? 0
expect_eq "prior echoed" "$(j t2.json '$.mgps.alpha1')" 3.25379064
expect_eq "ebgm ordered" "$(sqlite3 :memory: "SELECT json_extract(readfile('t2.json'), '\$.mgps.eb05') < json_extract(readfile('t2.json'), '\$.mgps.ebgm') AND json_extract(readfile('t2.json'), '\$.mgps.ebgm') < json_extract(readfile('t2.json'), '\$.mgps.eb95')")" 1
expect_eq "nothing undefined" "$(j t2.json '$.undefined')" '[]'

# Zeros: c = 0 makes PRR and ROR undefined (null), never NaN
"$TIANYAN" stats dispro --a 3 --b 10 --c 0 --d 500 --json > t3.json
expect_status "zero cell" $? 0
expect_eq "prr null" "$(j t3.json '$.prr.value')" ""
expect_eq "evans null" "$(sqlite3 :memory: "SELECT json_type(readfile('t3.json'), '\$.evans')")" null
expect_eq "undefined list" "$(j t3.json '$.undefined')" '["prr","prr_ci","ror","ror_ci","evans","mgps"]'
if grep -qi nan t3.json; then bad "NaN in JSON: $(cat t3.json)"; else ok; fi

# Text table
"$TIANYAN" stats dispro --a 3 --b 10 --c 0 --d 500 > t3.txt
expect_status "text table" $? 0
expect_contains "text PRR undefined" t3.txt "PRR                    undefined"
expect_contains "text reason" t3.txt "PRR: a+b, c+d or c is 0 (division by zero)"
"$TIANYAN" stats dispro --a 5 --b 4 --c 23 --d 168 > t1.txt
expect_contains "text evans" t1.txt "Evans signal           yes"

# Usage errors: exit 2 and a message that says what to fix
"$TIANYAN" stats dispro --a 1 --b 2 --c 3 > u1.txt 2>&1
expect_status "missing --d" $? 2
expect_contains "missing message" u1.txt "--a, --b, --c and --d are required"
"$TIANYAN" stats dispro --a 1 --b two --c 3 --d 4 > u2.txt 2>&1
expect_status "not a number" $? 2
expect_contains "number message" u2.txt '--b must be an integer from 0 to 9007199254740992, got "two"'
"$TIANYAN" stats dispro --a -1 --b 2 --c 3 --d 4 > u3.txt 2>&1
expect_status "negative" $? 2
"$TIANYAN" stats dispro --a 0 --b 0 --c 0 --d 0 > u4.txt 2>&1
expect_status "empty table" $? 2
expect_contains "empty message" u4.txt "a + b + c + d must be from 1 to 2^53, got 0"
"$TIANYAN" stats dispro --a 1 --b 2 --c 3 --d 4 --mgps 1,2,3,4,1.5 > u5.txt 2>&1
expect_status "bad prior" $? 2
expect_contains "prior message" u5.txt "--mgps must be five numbers A1,B1,A2,B2,P"
"$TIANYAN" stats dispro --a 1 --b 2 --c 3 --d 4 --mgps 1,2,3 > u6.txt 2>&1
expect_status "short prior" $? 2
"$TIANYAN" stats dispro --a 1 --b 2 --c 3 --d 4 --e 5 > u7.txt 2>&1
expect_status "unknown option" $? 2
expect_contains "unknown message" u7.txt "try: tianyan stats dispro --help"
"$TIANYAN" stats dispro --a 1 --b 2 --c 3 --d 4 extra > u8.txt 2>&1
expect_status "positional" $? 2

# --help for the subcommand and for stats
"$TIANYAN" stats dispro --help > h1.txt
expect_status "dispro help" $? 0
expect_contains "dispro usage" h1.txt "usage: tianyan stats dispro --a N --b N --c N --d N"
expect_contains "dispro option" h1.txt "--mgps A1,B1,A2,B2,P"
"$TIANYAN" stats --help > h2.txt
expect_status "stats help" $? 0
expect_contains "stats usage" h2.txt "--db PATH [--utc-offset +08:00] | dispro"
"$TIANYAN" stats > s0.txt 2>&1
expect_status "stats without --db" $? 2

# `tianyan stats --db` still counts a store
T='"spec_version":"1.0","time":"2026-03-01T20:15:00+08:00"'
echo "{$T,\"type\":\"users_online\",\"id\":\"u-1\",\"online\":12}" > feed.jsonl
"$TIANYAN" ingest --db s.db --platform shop-a --create-platform feed.jsonl > in.txt 2>&1
expect_status "ingest" $? 0
"$TIANYAN" stats --db s.db > stats.txt 2>&1
expect_status "stats --db" $? 0
expect_contains "stats row" stats.txt "shop-a           users_online   2026-03-01          1"
expect_contains "stats total" stats.txt "  all                     1"
finish
