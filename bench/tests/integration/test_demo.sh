#!/usr/bin/env bash
# The teaching demo under TCG: `pvbench demo --quick` finishes, the "why" metrics are there
# and sane (each emulated model needs more register accesses per operation than its virtio
# counterpart: the ordering, not a number), demo.html references only files that exist and
# escapes what it quotes, and what could not run is named in the handout.
source "$(dirname "$0")/lib.sh"
need_guest
"$PVBENCH" demo --help >/dev/null 2>&1 ||
    skip "pvbench demo is not wired in yet (docs/teaching-integration.md)"

OUT="$TMP/demo"
start=$(date +%s)
timeout 600 "$PVBENCH" demo --quick --accel tcg -o "$OUT" >"$TMP/demo.out" 2>&1
rc=$?
secs=$(($(date +%s) - start))
cat "$TMP/demo.out"
[ $rc -eq 0 ] || fail "pvbench demo --quick exited $rc"
ok "demo --quick finished in ${secs}s"
[ "$secs" -le 180 ] || fail "demo --quick took ${secs}s, more than the 3 minutes of a full demo"

SUM="$OUT/summary.csv"
[ -s "$SUM" ] || fail "no summary.csv"
[ -s "$OUT/why.json" ] || fail "no why.json"
grep -q '"why_source":"qemu-trace:memory_region_ops' "$OUT/run.json" ||
    grep -q '"why_source": *"qemu-trace:memory_region_ops' "$OUT/run.json" ||
    fail "run.json does not name the source of the why metrics"

# Median of one metric (summary.csv) for config $1, workload $2, metric $3; empty if absent.
med() { csv_values "$SUM" median "$1" "$2" "$3" | head -1; }

# Every pair of the scenario that measured both sides: emulated > paravirtual, per workload.
compared=0
check_pair() {
    local emu=$1 pv=$2 wl e p
    shift 2
    for wl in "$@"; do
        e=$(med "$emu" "$wl" reg_accesses_per_op)
        p=$(med "$pv" "$wl" reg_accesses_per_op)
        if [ -z "$e" ] || [ -z "$p" ]; then
            # A pair the host could not run (no network namespaces): the handout says so.
            grep -q "What is missing" "$OUT/demo.html" ||
                fail "$emu/$pv $wl: no why metric and the handout does not say why"
            echo "note: $emu/$pv $wl not measured here"
            continue
        fi
        awk -v e="$e" -v p="$p" 'BEGIN { exit !(e > 0 && p > 0 && e > p) }' ||
            fail "$wl: $emu needed $e register accesses per op, $pv $p: expected $emu > $pv"
        ok "$wl: $emu $e > $pv $p register accesses per operation"
        compared=$((compared + 1))
    done
}
check_pair ide virtio-blk randread randread_qd1
check_pair rtl8139 virtio-net tcp_rr tcp_tx
[ $compared -ge 2 ] || fail "fewer than two workloads compared"

# virtio: kicks are counted, and at queue depth 32 one kick serves several requests.
k1=$(med virtio-blk randread_qd1 notifies_per_op)
k32=$(med virtio-blk randread notifies_per_op)
[ -n "$k1" ] && [ -n "$k32" ] || fail "no notifies_per_op for virtio-blk"
awk -v a="$k1" -v b="$k32" 'BEGIN { exit !(a >= 0.5 && a <= 1.5 && b < a) }' ||
    fail "virtio-blk kicks per read: QD1 $k1, QD32 $k32 (expected about 1, and fewer at QD32)"
ok "virtio-blk kicks per read: $k1 at QD1, $k32 at QD32"
# The usual metrics are there too.
for m in irqs_per_op guest_cpu_us_per_op host_cpu_us_per_op; do
    [ -n "$(med ide randread "$m")" ] || fail "no $m for ide randread"
done

# The account quotes the numbers.
grep -q "trapped register accesses per read" "$TMP/demo.out" || fail "no plain-language account"
grep -q "Web page: $OUT/demo.html" "$TMP/demo.out" || fail "the demo did not name its web page"

# The handout to print: demo.pdf, A4, at most two pages, its text layer holds the numbers.
check_pdf() { # $1 language, $2 decimal separator, $3 words the handout must hold
    local lang=$1 sep=$2 words=$3 pdf="$OUT/demo.pdf" pages size cell v num
    command -v pdfinfo >/dev/null || fail "pdfinfo missing (poppler-utils: scripts/setup)"
    [ -s "$pdf" ] || fail "$lang: no demo.pdf"
    pages=$(pdfinfo "$pdf" | awk '/^Pages:/ { print $2 }')
    size=$(pdfinfo "$pdf" | awk '/^Page size:/ { print int($3 + 0.5) "x" int($5 + 0.5) }')
    [ "$pages" -ge 1 ] && [ "$pages" -le 2 ] || fail "$lang: demo.pdf has $pages pages, at most 2"
    [ "$size" = "595x842" ] || fail "$lang: demo.pdf pages are $size pt, not A4 (595x842)"
    pdftotext -layout "$pdf" "$TMP/demo-$lang.txt"
    grep -q "$words" "$TMP/demo-$lang.txt" || fail "$lang: demo.pdf lacks '$words'"
    # the headline medians of the pairs, as the handout writes them (rounded as demo_num does)
    for cell in "ide randread iops" "virtio-blk randread iops" \
        "rtl8139 tcp_rr transactions_s" "virtio-net tcp_rr transactions_s"; do
        # shellcheck disable=SC2086
        v=$(med $cell)
        [ -n "$v" ] || continue
        num=$(awk -v v="$v" -v sep="$sep" 'BEGIN { a = v < 0 ? -v : v
            f = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 0.1 ? "%.2f" : "%.3f"
            x = sprintf(f, v); sub(/\./, sep, x); print x }')
        grep -qF -- "$num" "$TMP/demo-$lang.txt" ||
            fail "$lang: demo.pdf lacks the median $num of $cell"
    done
    ok "$lang: demo.pdf is $pages A4 page(s) and holds the measured medians"
}
check_pdf en . "Why paravirtual I/O is faster"
grep -q "Handout to print (A4): $OUT/demo.pdf" "$TMP/demo.out" || fail "the demo did not name its PDF"

# The same run told in Spanish: every message of the account translated, decimal commas.
"$PVBENCH" demo --from "$OUT" --lang es >"$TMP/demo-es.out" 2>&1 || fail "demo --lang es exited $?"
grep -q "Lo que mostró la demostración" "$TMP/demo-es.out" || fail "no Spanish account"
grep -q "accesos a registros interceptados por lectura" "$TMP/demo-es.out" ||
    fail "the Spanish account does not explain the traps"
grep -Eq "[0-9],[0-9]+× " "$TMP/demo-es.out" || fail "no decimal comma in the Spanish account"
grep -q "What the demo showed\|Missing, and why" "$TMP/demo-es.out" &&
    fail "English left in the Spanish account"
grep -q '<html lang="es">' "$OUT/demo.html" || fail "demo.html is not marked Spanish"
check_pdf es , "Por qué la E/S paravirtualizada es más rápida"
env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=es_ES.UTF-8 "$PVBENCH" demo --from "$OUT" \
    >"$TMP/demo-lang.out" 2>&1 ||
    fail "LANG=es_ES.UTF-8 demo exited $?"
grep -q "Lo que mostró la demostración" "$TMP/demo-lang.out" || fail "LANG=es_ES.UTF-8 ignored"
"$PVBENCH" demo --from "$OUT" --lang xx >/dev/null 2>&1
[ $? -eq 2 ] || fail "demo --lang xx should exit 2"
"$PVBENCH" demo --from "$OUT" --lang en >/dev/null 2>&1 || fail "demo --lang en exited $?"


# demo.html references only files that exist, by relative paths.
HTML="$OUT/demo.html"
[ -s "$HTML" ] || fail "no demo.html"
refs=$(grep -o -E '(src|href)="[^"#]*"' "$HTML" | sed -E 's/^(src|href)="//; s/"$//' | sort -u)
for ref in $refs; do
    case "$ref" in
        /* | *://* | *..*) fail "demo.html: reference not relative to the run folder: $ref" ;;
    esac
    [ -e "$OUT/$ref" ] || fail "demo.html references a missing file: $ref"
done
ok "demo.html references $(echo "$refs" | grep -c .) existing files"

# Re-told from a doctored copy: what is missing is named, and quoted text is escaped.
BAD="$TMP/doctored"
cp -r "$OUT" "$BAD"
rm -f "$BAD/demo.html" "$BAD/why.json"
python3 - "$BAD/run.json" <<'EOF'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
for c in d["configs"]:
    if c["config"] in ("rtl8139", "virtio-net"):
        c["status"] = "skipped"
        c["reason"] = "skipped: <b>no</b> network namespaces & 'no' rights"
json.dump(d, open(p, "w"))
EOF
"$PVBENCH" demo --from "$BAD" >"$TMP/retell.out" 2>&1 || fail "demo --from exited $?"
grep -q '&lt;b&gt;no&lt;/b&gt; network namespaces &amp; &#39;no&#39; rights' "$BAD/demo.html" ||
    fail "a quoted reason is not HTML-escaped in demo.html"
grep -q '<b>no</b> network' "$BAD/demo.html" && fail "raw HTML from run.json in demo.html"
grep -q "No per-register detail" "$BAD/demo.html" || fail "missing why.json not named in the handout"
grep -q "What is missing" "$BAD/demo.html" || fail "no 'what is missing' section"
# ... and without any register count at all (a run made without the why jobs).
grep -v -E 'reg_accesses_per_op|notifies_per_op' "$OUT/summary.csv" >"$BAD/summary.csv"
"$PVBENCH" demo --from "$BAD" >"$TMP/retell2.out" 2>&1 || fail "demo --from exited $?"
grep -q "No register counts" "$BAD/demo.html" || fail "missing register counts not named"
ok "doctored run: missing parts named, text escaped"

"$PVBENCH" demo --from "$TMP/nonexistent" >/dev/null 2>&1
[ $? -eq 2 ] || fail "demo --from a missing folder should exit 2"

assert_no_leftovers
