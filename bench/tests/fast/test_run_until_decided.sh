# pvbench run --until-decided on real process-backend runs: two configurations of one run,
# decided against each other (compare RUN), boots added in rounds until the verdict is
# reached or the budget is spent.
#  - A/A (a and b identical): exit 0 or 5, never 1; the rounds double the boots (2, 4, 8 ...),
#    the verdict table and verdict/compare.json are there, the exit code is the verdict's;
#  - a throttled b (its agent stopped 50 ms of every 100 by a wrapper that knows b by its
#    scratch disk): DIFFERENT, worse, exit 1, reached by adding boots;
#  - bad options: exit 2 before anything runs.
# Only iops is decided (--metrics iops), as in test_compare_verdict.sh.
. "$(dirname "$0")/lib.sh"
need_agent
scn="$TMP/ud.ini"
cat >"$scn" <<'INI'
[scenario]
name = ud
workloads = randread
repetitions = 2
boots = 2
runtime = 0.2
warmup = 0.1
warmup_jobs = 0
disk_size = 64
why = no
reference = a

[config a]
device = virtio-blk

[config b]
device = virtio-blk
INI

boots_of() { # $1 = run folder, $2 = config: its distinct boots in samples.csv
    awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["config"] == c { print $h["boot"] }' "$1/samples.csv" | sort -u | wc -l
}

# bad input: nothing runs
for bad in "--budget 10m" "--until-decided --budget 10x" "--until-decided --metrics nope" \
    "--until-decided --baseline main" "--metrics iops"; do
    # shellcheck disable=SC2086 # the options are words
    "$PVBENCH" run $bad -o "$TMP/bad" "$scn" >"$TMP/bad.txt" 2>&1
    rc=$?
    [ $rc -eq 2 ] || { cat "$TMP/bad.txt"; fail "run $bad: exit $rc, expected 2"; }
    [ ! -e "$TMP/bad" ] || fail "run $bad: made its run folder"
done
one=$(write_scenario one "virtio-blk" "randread")
"$PVBENCH" run --until-decided -o "$TMP/one" "$one" >"$TMP/one.txt" 2>&1
rc=$?
[ $rc -eq 2 ] || { cat "$TMP/one.txt"; fail "one configuration: exit $rc, expected 2"; }
grep -q "no two configurations of one kind" "$TMP/one.txt" || fail "one configuration: no reason"
ok "bad options and a scenario with nothing to decide: exit 2, no run folder"

# A/A: never DIFFERENT; boots added while undecided
"$PVBENCH" run --until-decided --budget 25s --metrics iops -o "$TMP/aa" "$scn" \
    >"$TMP/aa.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 5 ] || { cat "$TMP/aa.txt"; fail "A/A: exit $rc, expected 0 or 5"; }
grep -q "verdict of each configuration against its reference" "$TMP/aa.txt" ||
    fail "A/A: no verdict table"
[ "$(json_get "$TMP/aa/verdict/compare.json" summary different_worse)" = 0 ] ||
    fail "A/A: a cell called worse"
[ "$(json_get "$TMP/aa/verdict/compare.json" summary exit_code)" = "$rc" ] ||
    fail "A/A: compare.json's exit code is not the run's ($rc)"
na=$(boots_of "$TMP/aa" a)
nb=$(boots_of "$TMP/aa" b)
[ "$na" = "$nb" ] || fail "A/A: a has $na boots, b $nb (the rounds boot both)"
if [ $rc -eq 5 ]; then
    [ "$na" -ge 4 ] || { cat "$TMP/aa.txt"; fail "A/A: undecided with only $na boots a side"; }
    grep -q "cells stay UNKNOWN" "$TMP/aa.txt" || fail "A/A: undecided without saying why"
    # 2 planned boots, then rounds of as many again (4, 8, 16 ...), the last one cut to
    # what the budget leaves: always an even number (A B, B A)
    [ $((na % 2)) -eq 0 ] || fail "A/A: $na boots, an odd number"
    grep -q "round 2, 4 more boots of each" "$TMP/aa.txt" || fail "A/A: round 2 did not double the boots"
fi
ok "A/A: exit $rc after $na boots a side"

# A throttled b: its agent stopped half the time.
slow="$TMP/slow-agent"
cat >"$slow" <<EOF
#!/bin/bash
case "\${2:-}" in
*-b.img) ( while kill -STOP \$\$ 2>/dev/null; do sleep 0.05; kill -CONT \$\$ 2>/dev/null; sleep 0.05; done ) & ;;
esac
exec "$AGENT_BIN" "\$@"
EOF
chmod +x "$slow"
PVBENCH_AGENT=$slow "$PVBENCH" run --until-decided --budget 90s --metrics iops -o "$TMP/slow" \
    "$scn" >"$TMP/slow.txt" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$TMP/slow.txt"; fail "throttled b: exit $rc, expected 1"; }
grep -q "DIFFERENT" "$TMP/slow.txt" || fail "throttled b: no DIFFERENT row"
grep -q "round 1" "$TMP/slow.txt" || fail "throttled b: decided without a round of boots"
n=$(boots_of "$TMP/slow" b)
[ "$(json_get "$TMP/slow/verdict/compare.json" rows 0 verdict)" = "DIFFERENT" ] ||
    fail "throttled b: compare.json's row is not DIFFERENT"
ok "throttled b: DIFFERENT, worse, exit 1, after $n boots a side"
