#!/bin/sh
# t0700-text.sh - `tianyan text` through the real binary: one JSON object per
# input line with the classes, the evidence (term, class, offset) and the
# verdict; negated terms marked with their cue; traditional and English text;
# a too-long line and invalid UTF-8 each get an error line and exit status 3;
# the readable form; usage errors.
. "$TY_SOURCE/tests/cli/lib.sh"

printf '%s\n' \
    '用了两天脸上起了很多小红疹，又痒又刺痛，差评' \
    '收到發現已經過期了，瓶子也壓壞了' \
    '绝对是正品，不是假货' \
    'It is fake and the bottle arrived crushed.' \
    '' \
    '洗完头发很蓬松，味道清新，会回购的' >in.txt
"$TIANYAN" text --json <in.txt >out.json 2>err.txt
expect_status "text --json" $? 0
expect_eq "one line per input line" "$(wc -l <out.json | tr -d ' ')" 6
expect_contains "line numbers" out.json '{"line":1,'
expect_contains "allergy class" out.json '"classes":["allergy","negative"],"sentiment":"negative"'
expect_contains "evidence with offset" out.json \
    '{"class":"allergy","term":"刺痛","entry":"刺痛","offset":51,"length":6,"negated":false}'
expect_contains "traditional: expired and damaged" out.json '"classes":["expired","damaged"]'
expect_contains "traditional term, simplified entry" out.json '"term":"過期","entry":"过期"'
expect_contains "negated counterfeit" out.json \
    '"term":"假货","entry":"假货","offset":24,"length":6,"negated":true,"cue":"不","cue_offset":18'
expect_contains "nothing raised by a negated term" out.json '{"line":3,"classes":[]'
expect_contains "English" out.json '{"line":4,"classes":["counterfeit","damaged"],"sentiment":"negative"'
expect_contains "empty line" out.json '{"line":5,"classes":[],'
expect_contains "positive review" out.json '{"line":6,"classes":[],"sentiment":"positive"'
# the JSON is well-formed: every line parses (python3 is part of Debian's base tools here;
# without it the check is the shape above)
if command -v python3 >/dev/null 2>&1; then
    if python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"): json.loads(l)' out.json; then ok; else bad "out.json has a line that is not JSON"; fi
fi

# errors: a line too long and a line that is not UTF-8, each reported on its own line
{ printf 'fine text\n'; head -c 300 /dev/zero | tr '\0' 'a'; printf '\n'; printf 'bad \377 byte\n'; printf '过敏'; } >bad.txt
"$TIANYAN" text --json --max-line 100 <bad.txt >bad.json 2>err.txt
expect_status "rejected lines" $? 3
expect_eq "still one line per input line" "$(wc -l <bad.json | tr -d ' ')" 4
expect_contains "too long" bad.json '{"line":2,"error":"line longer than 100 bytes"}'
expect_contains "invalid UTF-8" bad.json '{"line":3,"error":"invalid UTF-8 at byte 4"}'
expect_contains "last line without newline" bad.json '{"line":4,"classes":["allergy"]'

# CRLF input: the carriage return is not part of the text
printf '过期了\r\n' | "$TIANYAN" text --json >crlf.json
expect_contains "CRLF" crlf.json '"term":"过期","entry":"过期","offset":0,"length":6'

# the readable form
"$TIANYAN" text <in.txt >out.txt 2>&1
expect_status "text" $? 0
expect_contains "readable" out.txt "line 1: negative"
expect_contains "readable evidence" out.txt "allergy 刺痛@51"
expect_contains "readable negation" out.txt "negated counterfeit 假货@24 (不)"

# usage and data errors
"$TIANYAN" text --max-line 0 </dev/null >/dev/null 2>err.txt
expect_status "max-line 0" $? 2
"$TIANYAN" text extra </dev/null >/dev/null 2>err.txt
expect_status "positional argument" $? 2
expect_contains "stdin message" err.txt "standard input"
"$TIANYAN" text --data-dir /nonexistent </dev/null >/dev/null 2>err.txt
expect_status "missing data" $? 1
expect_contains "data message" err.txt "/nonexistent/lexicon/zh-Hans.txt"

finish
