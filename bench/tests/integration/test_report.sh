# `pvbench report` on the stored small run (bench/tests/fixtures/run-small): every chart is a
# valid PNG of the size its script asks for, report.html refers only to files that exist
# and to nothing on the network, SVG works too, and headless Chromium shows the page with
# every image loaded. The screenshot is kept in build/test-logs/ for a look.
# PVBENCH_BIN=path runs another pvbench binary (one with `report` wired in).
. "$(dirname "$0")/lib.sh"

PVBENCH=${PVBENCH_BIN:-$PVBENCH}
LOGS=${PVBENCH_TEST_LOGS:-$ROOT/build/test-logs}
mkdir -p "$LOGS"
[ -x "$PVBENCH" ] || skip "$PVBENCH not built (make)"
"$PVBENCH" report --help >/dev/null 2>&1 || skip "this pvbench has no report command"
command -v gnuplot >/dev/null || skip "gnuplot missing (apt-get install gnuplot-nox)"

run="$TMP/run-small"
cp -r "$ROOT/bench/tests/fixtures/run-small" "$run"
out=$("$PVBENCH" report "$run" 2>&1); rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "pvbench report: exit $rc, expected 0"
echo "$out" | grep -q "x vs ide" || fail "no terminal table with ratios"
echo "$out" | grep -Eq "\* (better|worse)" || fail "terminal table does not mark ratios"
echo "$out" | grep -q "report: $run/report.html" || fail "the report's path is not printed"
ok "pvbench report ran"

# Width and height of a PNG, from its IHDR chunk (bytes 16..23, big-endian).
png_size() {
    od -An -v -tu1 -j16 -N8 "$1" | awk '{ printf "%d,%d\n",
        (($1 * 256 + $2) * 256 + $3) * 256 + $4, (($5 * 256 + $6) * 256 + $7) * 256 + $8 }'
}
is_png() {
    [ "$(od -An -tx1 -N16 "$1" | tr -d ' \n')" = "89504e470d0a1a0a0000000d49484452" ]
}

n=0
for gp in "$run"/plots/*.gp; do
    name=$(basename "$gp" .gp)
    png="$run/plots/$name.png"
    [ -s "$png" ] || fail "$name.gp drew no $name.png"
    is_png "$png" || fail "$name.png is not a PNG"
    want=$(sed -n 's/^set terminal pngcairo size \([0-9]*,[0-9]*\) .*/\1/p' "$gp")
    got=$(png_size "$png")
    [ -n "$want" ] || fail "$name.gp has no pngcairo terminal line"
    [ "$got" = "$want" ] || fail "$name.png is $got, its script asks for $want"
    [ "${got%,*}" = 800 ] || fail "$name.png is not 800 pixels wide"
    [ -s "$run/plots/$name.dat" ] || [ -s "$run/plots/$name-host.dat" ] ||
        fail "$name has no data file"
    n=$((n + 1))
done
[ $n -ge 5 ] || fail "only $n charts, expected bars, latency, cpu, boot and speed-up"
for c in bars-blk-iops latency-randread_qd1 cpu-blk boot speedup; do
    [ -s "$run/plots/$c.png" ] || fail "chart $c missing"
done
ok "$n charts, each a PNG of the size its script asks for"

# The fixture carries pct_of_host.csv (a run with host_baseline = yes): both reports show it.
grep -q 'Share of the bare host' "$run/report.html" || fail "report.html lacks the share of the host"
grep -Eq '^\| randread \| virtio-blk \| I/O operations per second \| 57\.2% \|' "$run/report.md" ||
    fail "report.md lacks virtio-blk's share of the host's randread IOPS"
ok "the share of the bare host is in report.html and report.md"

# The summary tables name a metric by its display name and unit (µs, not us); the column
# name of samples.csv is only the hover title.
grep -q '<td title="host_cpu_us_per_op">host CPU per operation</td>' "$run/report.html" ||
    fail "report.html's summary does not show host_cpu_us_per_op by its display name"
grep -Eq '<td>(iops|host_cpu_us_per_op|lat_mean_us)</td>' "$run/report.html" &&
    fail "report.html's summary shows a metric identifier"
grep -q '<span class="unit">us</span>' "$run/report.html" && fail "report.html writes us, not µs"
grep -Eq '^\| randread \| host CPU per operation \| virtio-blk \| .* \| µs \|' "$run/report.md" ||
    fail "report.md's summary does not show the display name and µs"
ok "summary tables: display names and µs"

# Every src/href of report.html is a file of the run folder (or an anchor); none is remote.
html="$run/report.html"
grep -Eqi '(src|href)="(https?:|//|data:text)' "$html" && fail "report.html refers to the network"
refs=$(grep -oE '(src|href)="[^"#][^"]*"' "$html" | sed -E 's/^(src|href)="//; s/"$//' | sort -u)
[ -n "$refs" ] || fail "report.html refers to no file"
for f in $refs; do
    [ -e "$run/$f" ] || fail "report.html refers to $f, which does not exist"
done
imgs=$(grep -c '<img src="plots/' "$html")
[ "$imgs" -eq "$n" ] || fail "report.html shows $imgs images for $n charts"
grep -q "How to read this" "$html" || fail "no 'how to read this' paragraph"
grep -q "tcg" "$html" || fail "run metadata missing"
grep -q '!\[.*\](plots/speedup.png)' "$run/report.md" || fail "report.md lacks the charts"
ok "report.html refers to $(echo "$refs" | wc -l) files, all present, nothing remote"

# SVG: the same charts as SVG, and the report points at them.
svg="$TMP/run-svg"
cp -r "$ROOT/bench/tests/fixtures/run-small" "$svg"
"$PVBENCH" report --quiet --format svg "$svg" >/dev/null 2>&1 || fail "report --format svg failed"
for gp in "$svg"/plots/*.gp; do
    s="${gp%.gp}.svg"
    grep -q "<svg" "$s" 2>/dev/null || fail "$(basename "$s") is not an SVG"
done
grep -q '<img src="plots/speedup.svg"' "$svg/report.html" || fail "report.html lacks the SVGs"
ok "SVG charts drawn"

# ---- the browser: headless Chromium, a fresh profile, no network --------------------------------
if ! command -v chromium >/dev/null; then
    [ "$(id -u)" -eq 0 ] || skip "chromium missing and not root to install it"
    echo "installing chromium (Debian package)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
        >"$TMP/apt.log" 2>&1 || { tail -5 "$TMP/apt.log"; skip "could not install chromium"; }
fi
shot="$LOGS/report-screenshot.png"
rm -f "$shot"
chrome --enable-logging=stderr --v=0 --screenshot="$shot" --window-size=1000,2400 \
    "file://$html" >"$TMP/chromium.log" 2>&1 || { cat "$TMP/chromium.log"; fail "chromium failed"; }
if grep -E "Failed to load resource|net::ERR_" "$TMP/chromium.log"; then
    fail "chromium could not load a resource of report.html"
fi
is_png "$shot" || fail "no screenshot"
[ "$(png_size "$shot")" = "1000,2400" ] || fail "screenshot is $(png_size "$shot")"
ok "chromium showed report.html, no failed loads; screenshot: $shot"

# The page as the browser sees it: a copy with a check that every image really decoded.
verdict=$(chrome_images "$html" "$run/report-check.html")
echo "$verdict"
echo "$verdict" | grep -q "images $n broken 0" || fail "the browser did not show every chart"
ok "the browser decoded all $n images"

# What the browser shows as chart titles and captions (the DOM after load): the metrics by
# their display names; a samples.csv name only where the caption says it is one.
chrome --virtual-time-budget=5000 --dump-dom "file://$html" >"$TMP/dom.html" 2>/dev/null ||
    fail "chromium --dump-dom failed"
python3 - "$TMP/dom.html" "$run/samples.csv" <<'PY' || fail "a chart title or caption shows a metric identifier"
import csv, html.parser, re, sys

metrics = {row["metric"] for row in csv.DictReader(open(sys.argv[2]))}
texts, cur = [], None


class P(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        global cur
        if tag == "img":
            texts.append(("alt", dict(attrs).get("alt", "")))
        elif tag == "figcaption":
            cur = ""

    def handle_data(self, data):
        global cur
        if cur is not None:
            cur += data

    def handle_endtag(self, tag):
        global cur
        if tag == "figcaption" and cur is not None:
            texts.append(("caption", cur))
            cur = None


P().feed(open(sys.argv[1]).read())
assert len([t for t in texts if t[0] == "alt"]) >= 5, texts
bad = []
for kind, t in texts:
    t = re.sub(r"\b\w+ in samples\.csv", "", t)
    t = re.sub(r"[\w.-]+\.(dat|gp|png|svg)\b", "", t)  # the chart's own file names
    bad += [(kind, m, t[:80]) for m in metrics if re.search(r"(?<![\w])%s(?![\w])" % re.escape(m), t)]
    if re.search(r"\(us\b|\bus\)", t):
        bad.append((kind, "us", t[:80]))
for b in bad:
    print("identifier in a chart %s: %s in '%s'" % b)
sys.exit(1 if bad else 0)
PY
ok "chart titles and captions, as the browser shows them: display names and µs"
