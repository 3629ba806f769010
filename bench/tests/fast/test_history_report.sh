# The results store and its history end to end through the process backend: four runs
# added with labels to a SQLite file (twice: the second add changes nothing), trend with
# its chart, changes, check on a copy of the newest run with a tenth of its IOPS (exit 1) and
# on one with too little history (exit 0), history-report opened in headless Chromium with
# every image decoded and every point's link leading to a run's report.html.
. "$(dirname "$0")/lib.sh"
need_agent
command -v gnuplot >/dev/null || skip "gnuplot missing (scripts/setup)"
db="$TMP/history.db"
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
scn=$(write_scenario hist "virtio-blk" "randread" "repetitions = 4" "runtime = 0.2" "warmup = 0")
for i in 1 2 3 4; do
    "$PVBENCH" run -o "$TMP/r$i" "$scn" >"$TMP/r$i.log" 2>&1 || { cat "$TMP/r$i.log"; fail "run $i"; }
    "$PVBENCH" db --db "$db" add --label "v$i" "$TMP/r$i" | grep -q ": added" || fail "add r$i"
done
"$PVBENCH" db --db "$db" add "$TMP/r1" "$TMP/r2" | grep -c "already there" | grep -qx 2 ||
    fail "adding the same runs again was not a no-op"
"$PVBENCH" db --db "$db" list | tee "$TMP/list"
grep -q "^4 runs in" "$TMP/list" || fail "db list does not count 4 runs"
"$PVBENCH" db --db "$db" show v3 | grep -q "^folder: *$TMP/r3$" || fail "db show v3"
ok "four runs stored once each"

"$PVBENCH" trend --db "$db" --config virtio-blk --workload randread --metric iops --by label \
    -o "$TMP/trend.png" | tee "$TMP/trend"
for i in 1 2 3 4; do grep -q " v$i " "$TMP/trend" || fail "trend lacks point v$i"; done
is_png "$TMP/trend.png" || fail "trend chart is not a PNG"
"$PVBENCH" changes --db "$db" | tail -1 | grep -q "change points\? in [0-9]* series" ||
    fail "changes printed no summary"
"$PVBENCH" changes --db "$db" --since nosuchlabel >/dev/null 2>&1
[ $? -eq 2 ] || fail "changes --since an unknown label is not a usage error"
ok "trend and changes"

# The nightly gate: a copy of run 4 with another run id and a tenth of its IOPS is worse
# (a tenth: the process backend's IOPS move by half from run to run on a loaded host).
cp -r "$TMP/r4" "$TMP/r5"
python3 - "$TMP/r5" <<'PY'
import csv, json, sys
d = sys.argv[1]
j = json.load(open(d + "/run.json"))
j["run_id"] = "tenth001"
j["start"] = "2099-01-01T00:00:00Z"
json.dump(j, open(d + "/run.json", "w"))
rows = list(csv.reader(open(d + "/samples.csv")))
m, v = rows[0].index("metric"), rows[0].index("value")
for r in rows[1:]:
    if r[m] == "iops":
        r[v] = repr(float(r[v]) * 0.1)
csv.writer(open(d + "/samples.csv", "w"), lineterminator="\n").writerows(rows)
PY
"$PVBENCH" db --db "$db" add --label v5 "$TMP/r5" >/dev/null || fail "add r5"
"$PVBENCH" check --db "$db" v5 | tee "$TMP/check"
rc=${PIPESTATUS[0]}
[ "$rc" -eq 1 ] || fail "check of the slowed run exited $rc, not 1"
grep -q "^worse: virtio-blk randread iops" "$TMP/check" || fail "check did not name iops"
"$PVBENCH" check --db "$db" v2 >"$TMP/check2"
rc=$?
[ "$rc" -eq 0 ] || fail "check of run 2 (one earlier run) exited $rc"
grep -q " 0 series judged" "$TMP/check2" || fail "run 2 was judged on one earlier run"
ok "check: the slowed run fails the gate, a run without history passes"

out="$TMP/history"
"$PVBENCH" history-report --db "$db" -o "$out" | tee "$TMP/hr" || fail "history-report"
html="$out/index.html"
[ -s "$html" ] || fail "no index.html"
n=$(grep -o '<img src="plots/[^"]*"' "$html" | wc -l)
[ "$n" -gt 0 ] || fail "history page has no charts"
grep -q "http[s]*://" "$html" && fail "history page refers to the network"
grep -q '<figcaption>virtio-blk randread: I/O operations per second (IOPS)' "$html" ||
    fail "the history page does not name iops by its display name"
grep -q '<figcaption>[^<]* iops ' "$html" && fail "a history caption shows the identifier iops"
grep -Eq "^set (title|label [0-9]+) 'virtio-blk randread: I/O operations per second'" \
    "$out"/plots/*.gp ||
    fail "no history chart titled with the display name"
grep -o 'href="[^"]*"' "$html" | sed 's/^href="//; s/"$//' | sort -u >"$TMP/links"
[ -s "$TMP/links" ] || fail "no links to the runs"
while read -r l; do
    [ -s "$l" ] || fail "link $l leads nowhere"
done <"$TMP/links"
ok "$n charts, $(wc -l <"$TMP/links") run reports linked"

if ! command -v chromium >/dev/null; then
    skip "chromium missing (scripts/setup installs it); the page was checked without a browser"
fi
verdict=$(chrome_images "$html" "$out/index-check.html")
echo "$verdict"
echo "$verdict" | grep -q "images $n broken 0" || fail "the browser did not decode every chart"
ok "chromium decoded all $n charts of the history page"
