# t0500-simulate.sh - `tianyan simulate` through the real binary: the same
# options give byte-identical files and another seed other files, every line
# of every feed is accepted by `tianyan ingest`, the ground truth names the
# five incident kinds, and bad options or an unusable folder fail with a reason.
. "$TY_SOURCE/tests/cli/lib.sh"

sim() { "$TIANYAN" simulate --days 3 --platforms 2 --scale 0.2 "$@"; }

sim --out a --seed 5 >out-a.txt 2>err-a.txt
expect_status "simulate" $? 0
expect_contains "summary" out-a.txt "5 incidents (ground truth: a/ground-truth.jsonl)"
expect_contains "summary lists haitun" out-a.txt "a/haitun.jsonl"
expect_contains "summary lists xiangyun" out-a.txt "a/xiangyun.jsonl"

sim --out b --seed 5 >out-b.txt 2>&1
expect_status "simulate again" $? 0
for f in haitun.jsonl xiangyun.jsonl ground-truth.jsonl; do
    if cmp -s "a/$f" "b/$f"; then ok; else bad "$f differs between two runs with seed 5"; fi
done
sim --out c --seed 6 >/dev/null 2>&1
if cmp -s a/haitun.jsonl c/haitun.jsonl; then bad "seeds 5 and 6 gave the same feed"; else ok; fi
expect_eq "no temporary files left" "$(ls a | grep -c '\.tmp')" 0

# every line is valid exchange-spec JSON Lines: all accepted, none rejected
for p in haitun xiangyun; do
    "$TIANYAN" ingest --db s.db --platform "$p" --create-platform "a/$p.jsonl" >"ing-$p.txt" 2>&1
    expect_status "ingest $p" $? 0
    lines=$(wc -l <"a/$p.jsonl" | tr -d ' ')
    expect_contains "ingest $p accepted all" "ing-$p.txt" "accepted $lines, duplicate 0, rejected 0"
done
expect_eq "events stored" "$(sql s.db 'SELECT count(*) FROM events')" \
    "$(cat a/haitun.jsonl a/xiangyun.jsonl | wc -l | tr -d ' ')"
expect_eq "users-online every 5 minutes" \
    "$(sql s.db 'SELECT count(*) FROM events WHERE type = 1')" $((2 * 3 * 288))

for k in allergy_outbreak counterfeit_merchant expired_stock damaged_route banned_ingredient; do
    expect_contains "ground truth $k" a/ground-truth.jsonl "\"incident\":\"$k\""
done
cat a/haitun.jsonl a/xiangyun.jsonl >all.jsonl
expect_contains "banned substance listed" all.jsonl "Butylphenyl Methylpropional"
expect_contains "traditional script on xiangyun" a/xiangyun.jsonl '"lang":"zh-Hant"'

# usage errors (exit 2) and failures (exit 1) say what was wrong
"$TIANYAN" simulate --days 3 >/dev/null 2>err.txt
expect_status "missing --out" $? 2
expect_contains "missing --out message" err.txt "--out is required"
"$TIANYAN" simulate --out x --days 0 >/dev/null 2>err.txt
expect_status "days 0" $? 2
"$TIANYAN" simulate --out x --platforms 17 >/dev/null 2>err.txt
expect_status "17 platforms" $? 2
"$TIANYAN" simulate --out x --start 2026-02-30 --days 1 >/dev/null 2>err.txt
expect_status "bad start date" $? 1
expect_contains "bad start message" err.txt "--start"
touch plainfile
"$TIANYAN" simulate --out plainfile/sub --days 1 --platforms 1 >/dev/null 2>err.txt
expect_status "output under a file" $? 1
expect_contains "output folder message" err.txt "plainfile"

finish
