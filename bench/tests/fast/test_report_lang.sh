# report.html's and report.md's reading guide in Spanish: `pvbench report --lang es` and
# LANG=es_ES.UTF-8 give the Spanish heading and guide, its worked example with a decimal comma
# and the chart titles in Spanish, no English guide; a message missing from the catalogue comes
# out in English, never empty. No run: the fixture run folder is reported again.
. "$(dirname "$0")/lib.sh"
[ -x "$PVBENCH" ] || skip "bench/pvbench not built (make)"
fx="$ROOT/bench/tests/fixtures/run-small"
unset LANGUAGE LC_ALL LC_MESSAGES

# The guide of a report.html: from its heading to the end of its block.
guide() {
    sed -n '/<div class="guide"/,/^<\/div>/p' "$1"
}

cp -r "$fx" "$TMP/en"
LANG=C.UTF-8 "$PVBENCH" report -q "$TMP/en" >"$TMP/en.out" 2>&1 || { cat "$TMP/en.out"; fail "report (en)"; }
guide "$TMP/en/report.html" >"$TMP/en.guide"
grep -q '<h2 id="how">How to read this</h2>' "$TMP/en.guide" || fail "no English heading by default"
grep -q 'Each configuration is one guest' "$TMP/en.guide" || fail "no English guide by default"
grep -Eq 'a ratio of [0-9]+\.[0-9]+×' "$TMP/en.guide" || fail "the English example lacks its ratio"
ok "English by default"

cp -r "$fx" "$TMP/es"
"$PVBENCH" report -q --lang es "$TMP/es" >"$TMP/es.out" 2>&1 || { cat "$TMP/es.out"; fail "report --lang es"; }
guide "$TMP/es/report.html" >"$TMP/es.guide"
cat "$TMP/es.guide"
grep -q '<div class="guide" lang="es">' "$TMP/es.guide" || fail "the guide does not say it is Spanish"
grep -q '<h2 id="how">Cómo leer este informe</h2>' "$TMP/es.guide" || fail "no Spanish heading"
grep -q 'Cada configuración es una máquina virtual' "$TMP/es.guide" || fail "no Spanish guide"
# the worked example: this run's numbers, with a decimal comma
grep -Eq 'un cociente de [0-9]+,[0-9]+× con un intervalo de [0-9]+,[0-9]+ a [0-9]+,[0-9]+' \
    "$TMP/es.guide" || fail "the Spanish example lacks a decimal comma"
! grep -Eq '[0-9]\.[0-9]' "$TMP/es.guide" || fail "a decimal point in the Spanish guide"
! grep -q 'How to read this\|Each configuration is one guest' "$TMP/es.guide" ||
    fail "English left in the Spanish guide"
grep -q '## Cómo leer este informe' "$TMP/es/report.md" || fail "report.md's heading is not Spanish"
grep -q "^TITLE = 'Tiempo de CPU por operación, dispositivos de bloques'" "$TMP/es/plots/cpu-blk.gp" ||
    fail "the CPU chart's title is not Spanish"
grep -q "^TITLE = 'Speed-up" "$TMP/es/plots/speedup.gp" && fail "the speed-up chart's title is English"
ok "--lang es: heading, guide, example with a decimal comma, chart titles"

# Metric display names and units in Spanish (bench/model/metric.c through po/es.po) in the
# report's tables and charts; the terminal table keeps the English ones (scripts read it).
for f in "$TMP/es/report.html" "$TMP/es/report.md"; do
    grep -q 'CPU del anfitrión por operación' "$f" || fail "$f: no Spanish display name"
    ! grep -q 'host CPU per operation\|I/O operations per second' "$f" ||
        fail "$f: an English display name in the Spanish report"
done
grep -q "^YLABEL = 'caudal (MiB/s)'" "$TMP/es/plots/bars-blk-throughput_mib_s.gp" ||
    fail "the throughput chart's axis is not named in Spanish"
! grep -q "host CPU per operation" "$TMP/es/plots/"*.gp || fail "an English display name in a chart"
grep -q 'host CPU per operation' "$TMP/en/report.html" || fail "the English report lost its name"
"$PVBENCH" report --lang es "$TMP/es" >"$TMP/es.table" 2>&1 || fail "report --lang es (table)"
grep -q '^host CPU per operation (host_cpu_us_per_op)$' "$TMP/es.table" ||
    { cat "$TMP/es.table"; fail "the terminal table's display name changed with --lang es"; }
ok "--lang es: metric display names in Spanish, the terminal table in English"

cp -r "$fx" "$TMP/lang"
LANG=es_ES.UTF-8 "$PVBENCH" report -q "$TMP/lang" >"$TMP/lang.out" 2>&1 || { cat "$TMP/lang.out"; fail "report (LANG)"; }
guide "$TMP/lang/report.html" | diff "$TMP/es.guide" - || fail "LANG=es_ES.UTF-8 differs from --lang es"
ok "LANG=es_ES.UTF-8 gives the same guide"

"$PVBENCH" report -q --lang fr "$TMP/lang" >"$TMP/fr.out" 2>&1 && fail "--lang fr accepted"
grep -q "no messages in language 'fr'" "$TMP/fr.out" || { cat "$TMP/fr.out"; fail "--lang fr not explained"; }
ok "an unknown --lang is refused"

# A catalogue without the heading's entry: the heading in English, the rest still Spanish.
mkdir -p "$TMP/locale/es/LC_MESSAGES"
python3 - "$ROOT/po/es.po" "$TMP/partial.po" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
entry = 'msgid "How to read this"\nmsgstr "Cómo leer este informe"\n'
assert entry in text, "es.po has no entry for the heading"
open(sys.argv[2], "w", encoding="utf-8").write(text.replace(entry, ""))
PY
msgfmt -o "$TMP/locale/es/LC_MESSAGES/pvbench.mo" "$TMP/partial.po" || fail "msgfmt"
cp -r "$fx" "$TMP/partial"
PVBENCH_LOCALEDIR="$TMP/locale" "$PVBENCH" report -q --lang es "$TMP/partial" >"$TMP/partial.out" 2>&1 ||
    { cat "$TMP/partial.out"; fail "report with a partial catalogue"; }
guide "$TMP/partial/report.html" >"$TMP/partial.guide"
grep -q '<h2 id="how">How to read this</h2>' "$TMP/partial.guide" ||
    { cat "$TMP/partial.guide"; fail "a missing translation is not English"; }
grep -q 'Cada configuración es una máquina virtual' "$TMP/partial.guide" ||
    fail "the translated rest of the guide is gone"
ok "a message without a translation comes out in English"
