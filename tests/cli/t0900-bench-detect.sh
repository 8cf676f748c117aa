# t0900-bench-detect.sh - bench-detect runs end to end on a tiny feed: every
# chunk is stored whole, the engine following the store judges every event,
# and it prints its figures. Timings are printed, never checked.
. "$TY_SOURCE/tests/cli/lib.sh"

bench="$(dirname "$TIANYAN")/bench/bench-detect"
if [ ! -x "$bench" ]; then
    echo "t0900-bench-detect.sh: no $bench" >&2
    exit 1
fi

"$bench" --days 3 --platforms 2 --scale 0.2 --chunk 400 --rounds 1 --dir bd >out.txt 2>err.txt
expect_status "bench-detect" $? 0
expect_contains "header" out.txt "bench/detect: 2 platforms x 3 days"
expect_contains "one round" out.txt "round 1: off "
expect_contains "ratio on/off" out.txt "ratio on/off"
expect_contains "the foundation's goal" out.txt "the foundation's ingest goal (>= 0.7 of the floor)"
expect_eq "no error output" "$(cat err.txt)" ""
expect_eq "engine read every event" "$(grep -c 'note: engine read' out.txt)" 0
expect_eq "scratch folder removed" "$(ls -d bd 2>/dev/null)" ""

"$bench" --rounds 0 >/dev/null 2>err.txt
expect_status "bad option" $? 2
expect_contains "usage" err.txt "usage:"

finish
