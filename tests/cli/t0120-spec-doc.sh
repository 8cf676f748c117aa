#!/bin/sh
# t0120-spec-doc: docs/exchange-spec.md stays true to the build.
#  1. The block between the "GENERATED: tianyan spec" markers is exactly the
#     current `tianyan spec` output (on failure: the diff and the command that
#     regenerates the block).
#  2. Every ```json block (one record, may be pretty-printed), ```jsonl block
#     (one record per line) and ```csv block is accepted by `tianyan ingest`
#     into a scratch store: no reject, no duplicate (ids are unique across the
#     document), and together they hold every record type.
#  3. Every ```text reject / ```text reject-csv block (input lines, then the
#     "line N: ..." lines the report must print) is rejected with exactly those
#     messages and nothing is accepted.
#  4. The common-mistakes table lists exactly the messages of those blocks, each
#     with the code the JSON report gives; the error-code table lists exactly the
#     reject classes of include/tianyan/record.h.
. "$TY_SOURCE/tests/cli/lib.sh"

DOC="$TY_SOURCE/docs/exchange-spec.md"
BEGIN_GEN='<!-- BEGIN GENERATED: tianyan spec -->'
END_GEN='<!-- END GENERATED: tianyan spec -->'
TAB=$(printf '\t')

if [ ! -f "$DOC" ]; then
    bad "$DOC is missing"
    finish
fi

# doc_line EXAMPLE-FILE: the line of the document where the example's fence is
doc_line() { echo "$1" | sed 's/.*-L0*\([0-9][0-9]*\)\..*/\1/'; }

# lines_between FILE BEGIN END: the lines strictly between two marker lines
lines_between() {
    awk -v b="$2" -v e="$3" '$0 == e { inb = 0 } inb { print } $0 == b { inb = 1 }' "$1"
}

# ---------------------------------------------------------------- 1. generated tables

"$TIANYAN" spec > spec.md
expect_status "tianyan spec" $? 0
expect_eq "begin marker lines" "$(grep -cxF -- "$BEGIN_GEN" "$DOC")" 1
expect_eq "end marker lines" "$(grep -cxF -- "$END_GEN" "$DOC")" 1
order=$(awk -v b="$BEGIN_GEN" -v e="$END_GEN" '$0 == b { nb = NR } $0 == e { ne = NR } END { print (nb && ne > nb) ? "ok" : "wrong" }' "$DOC")
expect_eq "markers in order" "$order" ok
lines_between "$DOC" "$BEGIN_GEN" "$END_GEN" > embedded.md
if [ -s spec.md ] && cmp -s spec.md embedded.md; then
    ok
else
    bad "the generated block of docs/exchange-spec.md differs from \`tianyan spec\`:"
    diff -u embedded.md spec.md | sed 's/^/    /' >&2
    cat >&2 <<EOF
    Regenerate it from the source tree with:
    $TIANYAN spec > /tmp/spec.md && awk -v f=/tmp/spec.md '\$0=="$END_GEN"{skip=0} !skip{print} \$0=="$BEGIN_GEN"{while((getline l < f)>0) print l; skip=1}' docs/exchange-spec.md > /tmp/exchange-spec.md && mv /tmp/exchange-spec.md docs/exchange-spec.md
EOF
fi

# ---------------------------------------------------------------- extract the examples

# Each fenced block of a known kind becomes ex/<kind>-L<line of its fence>.txt.
mkdir -p ex
awk '
    /^```/ {
        if (!inb) {
            inb = 1
            info = substr($0, 4)
            sub(/[ \t]+$/, "", info)
            kind = ""
            if (info == "json") kind = "json"
            else if (info == "jsonl") kind = "jsonl"
            else if (info == "csv") kind = "csv"
            else if (info == "text reject") kind = "reject"
            else if (info == "text reject-csv") kind = "rejectcsv"
            out = kind == "" ? "" : sprintf("ex/%s-L%04d.txt", kind, NR)
            if (out != "") printf "" > out
            next
        }
        if ($0 == "```") {
            inb = 0
            if (out != "") close(out)
            out = ""
            next
        }
    }
    inb && out != "" { print > out }
    END { if (inb) print "unclosed fence" > "ex/unclosed" }
' "$DOC"
if [ -e ex/unclosed ]; then bad "docs/exchange-spec.md has an unclosed code fence"; else ok; fi

count() {
    n=0
    for f in ex/"$1"-L*.txt; do
        [ -e "$f" ] && n=$((n + 1))
    done
    echo $n
}
# at_least WHAT GOT MIN
at_least() {
    if [ "$2" -ge "$3" ]; then ok; else bad "$1: $2, expected at least $3"; fi
}
# floors, so that an extraction that finds nothing cannot pass
at_least "json examples" "$(count json)" 8
at_least "jsonl examples" "$(count jsonl)" 1
at_least "csv examples" "$(count csv)" 2
at_least "wrong examples" $(($(count reject) + $(count rejectcsv))) 20

# ---------------------------------------------------------------- 2. good examples

# A json block is one record, possibly pretty-printed: JSON allows a line break
# wherever it allows a space, so joining its lines gives the one-line record.
for f in ex/json-L*.txt; do
    [ -e "$f" ] || continue
    { tr '\n' ' ' < "$f"; echo; } > "${f%.txt}.jsonl"
done
for f in ex/jsonl-L*.txt; do
    [ -e "$f" ] || continue
    cp "$f" "${f%.txt}.jsonl"
done

# check_good REPORT FILE EXPECTED: the report line of FILE shows EXPECTED
# accepted (or at least one when EXPECTED is "+"), no duplicate, no reject
check_good() {
    line=$(grep -F -- "$2: " "$1" | head -n 1)
    set -- "$line" "$2" "$3"
    acc=$(echo "$1" | sed -n 's/.* accepted \([0-9]*\), duplicate \([0-9]*\), rejected \([0-9]*\) .*/\1/p')
    rest=$(echo "$1" | sed -n 's/.* accepted [0-9]*, \(duplicate [0-9]*, rejected [0-9]*\) .*/\1/p')
    if [ -z "$acc" ]; then
        bad "no report for the example at docs/exchange-spec.md line $(doc_line "$2")"
    elif [ "$rest" != "duplicate 0, rejected 0" ] || { [ "$3" != "+" ] && [ "$acc" != "$3" ]; } ||
        [ "$acc" -lt 1 ]; then
        bad "example at docs/exchange-spec.md line $(doc_line "$2"): $1 (expected accepted ${3}, duplicate 0, rejected 0)"
    else
        ok
    fi
}

fails_before=$fails # set by lib.sh
set -- ex/json-L*.jsonl ex/jsonl-L*.jsonl
"$TIANYAN" ingest --db examples.db --platform doc-examples --create-platform "$@" > good-json.txt 2>&1
expect_status "ingest json and jsonl examples" $? 0
for f in ex/json-L*.jsonl; do
    [ -e "$f" ] && check_good good-json.txt "$f" 1
done
for f in ex/jsonl-L*.jsonl; do
    [ -e "$f" ] || continue
    check_good good-json.txt "$f" "$(grep -c '[^[:space:]]' "$f")"
done

set -- ex/csv-L*.txt
"$TIANYAN" ingest --db examples.db --platform doc-examples --create-platform --format csv "$@" > good-csv.txt 2>&1
expect_status "ingest csv examples" $? 0
for f in ex/csv-L*.txt; do
    [ -e "$f" ] && check_good good-csv.txt "$f" +
done
if [ "$fails" -ne "$fails_before" ]; then
    echo "tianyan ingest said:" >&2
    sed 's/^/    /' good-json.txt good-csv.txt >&2
fi

expect_eq "record types with an example" "$(sql examples.db 'SELECT count(DISTINCT type) FROM events')" 8
expect_eq "the multi-line CSV order has its three lines" \
    "$(sql examples.db "SELECT json_array_length(body, '\$.items') FROM events WHERE rid = 'ORD-20260303-000512'")" 3
expect_eq "buyer ids are stored pseudonymised" \
    "$(sql examples.db "SELECT count(*) FROM events WHERE body LIKE '%b7f3c2a9e0d14c55%'")" 0

# ---------------------------------------------------------------- 3. wrong examples

# Split every block into its input and the report lines it promises.
for f in ex/reject-L*.txt ex/rejectcsv-L*.txt; do
    [ -e "$f" ] || continue
    grep -E '^line [0-9]+: ' "$f" > "$f.expected"
    grep -vE '^line [0-9]+: ' "$f" > "$f.input"
    : > "$f.input.got"
    if [ -s "$f.expected" ] && [ -s "$f.input" ]; then ok; else
        bad "wrong example at docs/exchange-spec.md line $(doc_line "$f") needs input lines and expected \"line N: ...\" lines"
    fi
done

# One ingest per format, text and JSON reports; each file is its own batch.
: > rejects-report.txt
: > rejects-report.json
for fmt in jsonl csv; do
    if [ $fmt = csv ]; then set -- ex/rejectcsv-L*.txt.input; else set -- ex/reject-L*.txt.input; fi
    [ -e "$1" ] || continue
    "$TIANYAN" ingest --db rejects.db --platform doc-rejects --create-platform --format $fmt --max-errors 1000 "$@" >> rejects-report.txt 2>&1
    expect_status "ingest the wrong $fmt examples" $? 3
    "$TIANYAN" ingest --db rejects.db --platform doc-rejects --create-platform --format $fmt --max-errors 1000 --json "$@" >> rejects-report.json 2>&1
done
# the text report: "FILE: N lines, accepted ..." then "  line ..." for each reject
awk '/^ex\/[^ ]*: [0-9]+ lines, / { cur = substr($0, 1, index($0, ": ") - 1); print > (cur ".counts"); next }
     /^  line [0-9]+: / && cur != "" { sub(/^  /, ""); print > (cur ".got") }' rejects-report.txt
for f in ex/reject-L*.txt ex/rejectcsv-L*.txt; do
    [ -e "$f.expected" ] || continue
    counts=$(sed -n 's/.* accepted \([0-9]*\), duplicate \([0-9]*\), rejected \([0-9]*\) .*/\1 \2 \3/p' "$f.input.counts" 2>/dev/null)
    if cmp -s "$f.expected" "$f.input.got" &&
        [ "$counts" = "0 0 $(wc -l < "$f.expected" | tr -d ' ')" ]; then
        ok
    else
        bad "wrong example at docs/exchange-spec.md line $(doc_line "$f"): expected these rejects and nothing accepted (got accepted/duplicate/rejected: ${counts:-no report}):"
        diff -u "$f.expected" "$f.input.got" | sed 's/^/    /' >&2
    fi
done

# code TAB message (without "line N: ") of every reject, from the JSON reports
awk 'BEGIN { printf "[" } NF { printf "%s%s", sep, $0; sep = "," } END { print "]" }' rejects-report.json > rejects-all.json
sqlite3 :memory: "SELECT json_extract(e.value, '\$.code') || char(9) ||
    CASE WHEN json_extract(e.value, '\$.field') <> ''
         THEN 'field \"' || json_extract(e.value, '\$.field') || '\": ' ELSE '' END ||
    json_extract(e.value, '\$.message')
    FROM json_each(readfile('rejects-all.json')) AS f, json_each(f.value, '\$.errors') AS e" |
    sort -u > mistakes-seen.sorted
at_least "rejects read from the JSON reports" "$(wc -l < mistakes-seen.sorted | tr -d ' ')" 20

# ---------------------------------------------------------------- 4. tables

# The mistakes table: the last two code spans of each row are the code and the message.
lines_between "$DOC" '<!-- BEGIN MISTAKES -->' '<!-- END MISTAKES -->' |
    awk -F'`' -v t="$TAB" '/^\| / && NF >= 5 && $(NF - 3) != "" { print $(NF - 3) t $(NF - 1) }' |
    sort > mistakes-table.txt
rows=$(wc -l < mistakes-table.txt | tr -d ' ')
at_least "rows of the common-mistakes table" "$rows" 20
# every row is proven by a wrong example ...
missing=$(comm -23 mistakes-table.txt mistakes-seen.sorted)
if [ -z "$missing" ]; then ok; else
    bad "common-mistakes rows whose code and message no wrong example produces:"
    echo "$missing" | sed 's/^/    /' >&2
    echo "  the wrong examples produce:" >&2
    sed 's/^/    /' mistakes-seen.sorted >&2
fi
# ... and the first reject of every wrong example is in the table
for f in ex/reject-L*.txt ex/rejectcsv-L*.txt; do
    [ -e "$f.expected" ] || continue
    first=$(head -n 1 "$f.expected" | sed 's/^line [0-9]*: //')
    if cut -f2- mistakes-table.txt | grep -qxF -- "$first"; then ok; else
        bad "the common-mistakes table has no row for: $first"
    fi
done

# The error-code table names exactly the reject classes of record.h.
grep -o 'X(TY_REJ_[A-Z0-9_]*, *"[a-z0-9_]*")' "$TY_SOURCE/include/tianyan/record.h" |
    sed 's/.*"\([a-z0-9_]*\)").*/\1/' | sort > codes-source.txt
lines_between "$DOC" '<!-- BEGIN CODES -->' '<!-- END CODES -->' |
    awk -F'`' '/^\| `/ { print $2 }' | sort > codes-doc.txt
at_least "reject classes read from record.h" "$(wc -l < codes-source.txt | tr -d ' ')" 10
if cmp -s codes-source.txt codes-doc.txt; then ok; else
    bad "the error-code table differs from TY_REJECT_LIST in include/tianyan/record.h:"
    diff -u codes-doc.txt codes-source.txt | sed 's/^/    /' >&2
fi

finish
