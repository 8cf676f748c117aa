# t0300-reference.sh - `tianyan ingest --format cosing|safety-gate` on the real
# public files: counts, idempotent re-import, an edited alert updated, bad rows
# rejected with their line numbers while good rows import, wrong files refused.
. "$TY_SOURCE/tests/cli/lib.sh"

D="$TY_SHARED_DATA"
require_data cosing/eu-annex-ii.csv
require_data cosing/eu-annex-iii.csv
require_data safety-gate/safety_gate_alerts_all.csv
require_data safety-gate/safety_gate_cosmetics.csv

DB=ref.db

# --- CosIng Annex II and III
"$TIANYAN" ingest --db $DB --format cosing "$D/cosing/eu-annex-ii.csv" "$D/cosing/eu-annex-iii.csv" >out1 2>err1
expect_status "first CosIng import" $? 0
expect_contains "Annex II report" out1 "eu-annex-ii.csv: CosIng Annex II, 4067 rows: inserted 4066, updated 0, unchanged 1, rejected 0"
expect_contains "Annex III report" out1 "eu-annex-iii.csv: CosIng Annex III, 770 rows: inserted 768, updated 0, unchanged 2, rejected 0"
expect_eq "substances" "$(sql $DB "SELECT count(*) FROM ref_substances")" 4834
expect_eq "Annex II rows" "$(sql $DB "SELECT count(*) FROM ref_substances WHERE annex = 'II'")" 4066
expect_eq "ids" "$(sql $DB "SELECT count(*) FROM ref_substance_ids")" 8317
expect_eq "BMHCA by CAS" "$(sql $DB "SELECT s.annex || ' ' || s.ref_no || ' ' || s.max_conc FROM ref_substance_ids i JOIN ref_substances s ON s.id = i.substance WHERE i.kind = 'cas' AND i.value = '80-54-6'")" "II 1666 0 %"
expect_eq "hydrogen peroxide in hair products" "$(sql $DB "SELECT DISTINCT max_conc FROM ref_substances WHERE annex = 'III' AND ref_no = '12' AND product_types = 'Hair products'")" "12 %"
expect_eq "schema version" "$(sql $DB "PRAGMA user_version")" 5

"$TIANYAN" ingest --db $DB --format cosing "$D/cosing/eu-annex-ii.csv" "$D/cosing/eu-annex-iii.csv" >out2 2>err2
expect_status "CosIng re-import" $? 0
expect_contains "Annex II unchanged" out2 "4067 rows: inserted 0, updated 0, unchanged 4067, rejected 0"
expect_contains "Annex III unchanged" out2 "770 rows: inserted 0, updated 0, unchanged 770, rejected 0"
expect_eq "substances after re-import" "$(sql $DB "SELECT count(*) FROM ref_substances")" 4834
expect_eq "ids after re-import" "$(sql $DB "SELECT count(*) FROM ref_substance_ids")" 8317

# --- Safety Gate
"$TIANYAN" ingest --db $DB --format safety-gate "$D/safety-gate/safety_gate_alerts_all.csv" >out3 2>err3
expect_status "Safety Gate import" $? 0
expect_contains "all alerts" out3 "Safety Gate, 182 rows: inserted 182, updated 0, unchanged 0, rejected 0"
"$TIANYAN" ingest --db $DB --format safety-gate "$D/safety-gate/safety_gate_cosmetics.csv" >out4 2>err4
expect_status "cosmetics import" $? 0
expect_contains "cosmetics unchanged" out4 "Safety Gate, 31 rows: inserted 0, updated 0, unchanged 31, rejected 0"
expect_eq "alerts" "$(sql $DB "SELECT count(*) FROM ref_alerts")" 182

# an edited copy of one alert: exactly one update
sed 's/BARVA NA VLASY SYOSS 6-27/BARVA NA VLASY SYOSS 6-28/' "$D/safety-gate/safety_gate_cosmetics.csv" >edited.csv
"$TIANYAN" ingest --db $DB --format safety-gate edited.csv >out5 2>err5
expect_status "edited import" $? 0
expect_contains "one updated" out5 "31 rows: inserted 0, updated 1, unchanged 30, rejected 0"
expect_eq "edited description" "$(sql $DB "SELECT description FROM ref_alerts WHERE alert_number = 'A12/00719/24'")" "BARVA NA VLASY SYOSS 6-28"

# --- bad rows: rejected with line numbers, good rows imported, exit status 3
{
    head -n 1 "$D/safety-gate/safety_gate_alerts_all.csv"
    echo 'X/1,Soap,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None,None'
    echo 'X/2,Soap,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania'
    echo ',Soap,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None,None'
    printf 'X/3,Soap\377,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None,None\n'
    echo 'X/4,Soap,Cosmetics,B,D,Consumer,Italy,Chemical,R,M,Romania,None,None'
} >broken.csv
"$TIANYAN" ingest --db bad.db --format safety-gate broken.csv >out6 2>err6
expect_status "broken file" $? 3
expect_contains "broken counts" out6 "5 rows: inserted 2, updated 0, unchanged 0, rejected 3"
expect_contains "column count" out6 "line 3: row has 11 fields; the header has 13"
expect_contains "missing alert number" out6 'line 4: field "alert_number": the alert number is empty'
expect_contains "bad UTF-8" out6 'line 5: field "product_name": invalid UTF-8'
expect_eq "good rows kept" "$(sql bad.db "SELECT group_concat(alert_number, ' ') FROM (SELECT alert_number FROM ref_alerts ORDER BY 1)")" "X/1 X/4"

# --- files of the wrong kind are refused with a reason
"$TIANYAN" ingest --db bad.db --format cosing "$D/safety-gate/safety_gate_cosmetics.csv" >out7 2>err7
expect_status "Safety Gate file as CosIng" $? 3
expect_contains "not an annex" out7 "line 1: not a CosIng Annex II or Annex III export"
printf 'Cosmetic Products Regulation, Annex IV - Colorants\n"Name"\t"Ref No."\n"X"\t"1"\n' >annex-iv.tsv
"$TIANYAN" ingest --db bad.db --format cosing annex-iv.tsv >out8 2>err8
expect_status "Annex IV" $? 3
expect_contains "Annex IV refused" out8 'got "Cosmetic Products Regulation, Annex IV - Colorants"'
expect_eq "nothing from refused files" "$(sql bad.db "SELECT count(*) FROM ref_substances")" 0

"$TIANYAN" ingest --db bad.db --format cosing missing.tsv >out9 2>err9
expect_status "missing file" $? 1
expect_contains "missing file message" err9 "missing.tsv"

finish
