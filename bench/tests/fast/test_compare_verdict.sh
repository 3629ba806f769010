# compare's three-way verdict on real process-backend runs, the boot as the unit:
#  - A/A, the same scenario twice: SAME or UNKNOWN, exit 0 or 5, never 1 (no false alarm);
#  - a throttled B: the agent of NEW stopped half the time (SIGSTOP/SIGCONT, 50 ms each, by a
#    wrapper named in $PVBENCH_AGENT; disk_iops_limit is QEMU's and does nothing here), so
#    its IOPS drop by about half: DIFFERENT, worse, exit 1;
#  - --junit read back (a failure per worse cell), --markdown written, nothing in NEW.
# Only iops is compared: each cell is a test at alpha 0.01, and ten primary metrics of two
# configurations would make an A/A false alarm about once in ten runs of this test.
. "$(dirname "$0")/lib.sh"
need_agent
command -v xmllint >/dev/null || skip "xmllint missing (libxml2-utils)"
# Six boots a side: the fewest at which the permutation test of the boot means can reach
# alpha 0.01 is 5 (2 / C(10, 5) = 0.008).
scn=$(write_scenario verdict "virtio-blk, ide" "randread" "repetitions = 6" "boots = 6" \
    "runtime = 0.3" "warmup = 0.1" "why = no")

run() { # $1 = name, the rest: environment for pvbench
    local name=$1 rc
    shift
    env "$@" "$PVBENCH" run -o "$TMP/$name" "$scn" >"$TMP/out-$name" 2>&1
    rc=$?
    [ $rc -eq 0 ] || { cat "$TMP/out-$name"; fail "run $name exited $rc"; }
}

# The agent of a throttled B: stopped 50 ms of every 100 ms while it lives.
slow="$TMP/slow-agent"
cat >"$slow" <<EOF
#!/bin/bash
( while kill -STOP \$\$ 2>/dev/null; do sleep 0.05; kill -CONT \$\$ 2>/dev/null; sleep 0.05; done ) &
exec "$AGENT_BIN" "\$@"
EOF
chmod +x "$slow"

run a1
run a2
run slow "PVBENCH_AGENT=$slow"
# pvbench calibrate on the A/A pair: a floor per workload and metric, under host/accelerator.
"$PVBENCH" calibrate --file "$TMP/cal.json" "$TMP/a1" "$TMP/a2" >"$TMP/cal.txt" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$TMP/cal.txt"; fail "calibrate exited $rc"; }
python3 - "$TMP/cal.json" <<'PY' || fail "calibration.json has no iops floor for host/none"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "pvbench-calibration"
(key, e), = d["hosts"].items()
assert key.endswith("/none") and e["pairs"] == 1
assert any(f["workload"] == "randread" and f["metric"] == "iops" and f["noise_pct"] >= 0
           for f in e["floors"])
PY
ok "calibrate: $(grep -c '%' "$TMP/cal.txt") floors from the A/A pair"

# Until the run executes the plan's rounds of boots, every sample is boot 0 and no verdict
# can be reached: say so instead of failing on it.
boots=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "boot") b = i; next }
                 { print $b }' "$TMP/a1/samples.csv" | sort -u | wc -l)
[ "$boots" -ge 6 ] || skip "the run measured $boots boot(s) per configuration, not 6 (boots = 6)"

"$PVBENCH" compare --no-plot --metrics iops -o "$TMP/cmp-aa" "$TMP/a1" "$TMP/a2" >"$TMP/cmp-aa.txt" 2>&1
rc=$?
cat "$TMP/cmp-aa.txt"
[ $rc -eq 0 ] || [ $rc -eq 5 ] || fail "A/A: compare exited $rc, expected 0 or 5"
grep -q "DIFFERENT, worse" "$TMP/cmp-aa.txt" && fail "A/A: a cell called DIFFERENT, worse"
[ -s "$TMP/cmp-aa/compare.json" ] || fail "A/A: no compare.json in -o DIR"
[ ! -e "$TMP/a2/compare.json" ] || fail "A/A: compare wrote into NEW"
ok "A/A: exit $rc, no cell worse"

"$PVBENCH" compare --no-plot --metrics iops -o "$TMP/cmp-slow" --junit "$TMP/junit.xml" \
    --markdown "$TMP/summary.md" "$TMP/a1" "$TMP/slow" >"$TMP/cmp-slow.txt" 2>&1
rc=$?
cat "$TMP/cmp-slow.txt"
[ $rc -eq 1 ] || fail "throttled B: compare exited $rc, expected 1"
grep -E '^(virtio-blk|ide) +randread +iops .*DIFFERENT, worse' "$TMP/cmp-slow.txt" >/dev/null ||
    fail "throttled B: iops not DIFFERENT, worse"
xmllint --noout --schema "$ROOT/bench/tests/fixtures/junit/junit.xsd" "$TMP/junit.xml" ||
    fail "the JUnit file does not validate"
failures=$(xmllint --xpath 'string(//testsuite/@failures)' "$TMP/junit.xml")
[ "$failures" -ge 1 ] || fail "JUnit: $failures failures, expected the worse cells"
grep -q "DIFFERENT" "$TMP/summary.md" || fail "the Markdown summary names no DIFFERENT cell"
ok "throttled B: DIFFERENT, worse (exit 1), JUnit with $failures failure(s) read back"
sleep 0.3 # the throttler loop notices its agent is gone
assert_no_leftovers
