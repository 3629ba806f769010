# `pvbench report` on damaged run folders: truncated or garbled samples.csv, missing or cut
# run.json, no samples at all, no folder, and no gnuplot. It reports what it can, names what
# it could not read (file:line), exits with the documented code, and never crashes.
# PVBENCH_BIN=path runs another pvbench binary (one with `report` wired in).
. "$(dirname "$0")/lib.sh"

PVBENCH=${PVBENCH_BIN:-$PVBENCH}
[ -x "$PVBENCH" ] || skip "$PVBENCH not built (make)"
"$PVBENCH" report --help >/dev/null 2>&1 || skip "this pvbench has no report command"

FIXTURE="$ROOT/bench/tests/fixtures/run-small"

# fresh NAME: a copy of the fixture in $TMP/NAME
fresh() {
    rm -rf "${TMP:?}/$1"
    cp -r "$FIXTURE" "$TMP/$1"
    echo "$TMP/$1"
}

# report DIR [ENV...]: run pvbench report, keep its output in $out and exit code in $rc.
report() {
    local dir=$1; shift
    out=$(env "$@" "$PVBENCH" report --quiet "$dir" 2>&1); rc=$?
    echo "--- pvbench report $dir: exit $rc"
    echo "$out"
    [ $rc -lt 128 ] || fail "pvbench report crashed (exit $rc) on $dir"
}

expect() { # expect CODE PATTERN WHAT
    [ "$rc" -eq "$1" ] || fail "$3: exit $rc, expected $1"
    echo "$out" | grep -Eq -- "$2" || fail "$3: no message matching '$2'"
}

# The report is there and tells the reader what was wrong.
report_says() { # report_says DIR PATTERN WHAT
    [ -s "$1/report.html" ] || fail "$3: no report.html"
    [ -s "$1/report.md" ] || fail "$3: no report.md"
    grep -Eq -- "$2" "$1/report.html" || fail "$3: report.html does not say '$2'"
}

# A samples.csv cut in the middle of a line (a crash while writing, or a careless copy).
d=$(fresh trunc)
head -c 5000 "$FIXTURE/samples.csv" >"$d/samples.csv"
report "$d"
expect 2 "samples.csv:[0-9]+: truncated line" "truncated samples.csv"
report_says "$d" "samples.csv:[0-9]+: truncated line" "truncated samples.csv"
grep -q "1537" "$d/report.html" || fail "truncated samples.csv: the readable rows are not reported"
ok "truncated samples.csv: rows before the cut reported, the cut named"

# Garbage lines among good ones.
d=$(fresh garbage)
sed -i '5s/.*/this,is,garbage/; 9s/,[^,]*$/,notanumber/; 12s/$/,extra,columns/' "$d/samples.csv"
printf 'binary\001\002\377line\n"unterminated,quote\n' >>"$d/samples.csv"
report "$d"
expect 2 "samples.csv:5: 3 columns, expected 9 \(5 unreadable rows left out\)" "garbage rows"
report_says "$d" "samples.csv:5: " "garbage rows"
ls "$d"/plots/*.dat >/dev/null 2>&1 || fail "garbage rows: no data files for the good rows"
ok "garbage lines skipped and named"

# No run.json: no metadata, but every number and chart.
d=$(fresh nojson)
rm "$d/run.json"
report "$d"
expect 2 "run.json: No such file or directory" "missing run.json"
report_says "$d" "run.json: No such file or directory" "missing run.json"
[ -s "$d/plots/speedup.dat" ] || fail "missing run.json: no charts"
ok "missing run.json: metadata left out, the rest reported"

# A run.json cut short, and one with a syntax error on a known line.
d=$(fresh cutjson)
head -c 700 "$FIXTURE/run.json" >"$d/run.json"
report "$d"
expect 2 "run.json:[0-9]+: unexpected end of file" "truncated run.json"
d=$(fresh badjson)
sed -i '10s/.*/  "host":{ oops/' "$d/run.json"
report "$d"
expect 2 "run.json:10: " "run.json syntax error"
report_says "$d" "run.json:10: " "run.json syntax error"
ok "broken run.json named with its line"

# No samples.csv, and an empty one: a report that says so.
d=$(fresh nosamples)
rm "$d/samples.csv"
report "$d"
expect 2 "samples.csv: No such file or directory" "missing samples.csv"
report_says "$d" "No measurements" "missing samples.csv"
d=$(fresh empty)
: >"$d/samples.csv"
report "$d"
expect 2 "samples.csv: empty file" "empty samples.csv"
ok "missing and empty samples.csv reported"

# Not a run folder at all.
report "$TMP/no-such-folder"
expect 2 "no-such-folder: No such file or directory" "missing folder"
out=$("$PVBENCH" report --format gif "$TMP/trunc" 2>&1); rc=$?
expect 2 "png or svg" "bad --format"
out=$("$PVBENCH" report 2>&1); rc=$?
expect 2 "Try 'pvbench report --help'." "no folder given"
ok "usage errors exit 2"

# No gnuplot: data files and scripts written, the message says how to draw them, and
# doing what it says then gives the charts.
d=$(fresh nognuplot)
mkdir -p "$TMP/empty-path"
report "$d" PATH="$TMP/empty-path"
expect 4 "gnuplot not found.*cd $d/plots && gnuplot \*\.gp" "no gnuplot"
ls "$d"/plots/*.dat >/dev/null 2>&1 || fail "no gnuplot: no data files"
ls "$d"/plots/*.gp >/dev/null 2>&1 || fail "no gnuplot: no scripts"
ls "$d"/plots/*.png >/dev/null 2>&1 && fail "no gnuplot: images appeared"
grep -q "<img" "$d/report.html" && fail "no gnuplot: report.html shows images that do not exist"
report_says "$d" "gnuplot \*\.gp" "no gnuplot"
if command -v gnuplot >/dev/null; then
    (cd "$d/plots" && gnuplot ./*.gp) || fail "the scripts pvbench wrote do not run"
    report "$d"
    expect 0 "report: " "after drawing by hand"
    grep -q '<img src="plots/speedup.png"' "$d/report.html" ||
        fail "after drawing by hand, report.html does not show the charts"
    ok "no gnuplot: data and scripts written; drawing them by hand works"
else
    ok "no gnuplot: data and scripts written (gnuplot absent here, not drawn by hand)"
fi
