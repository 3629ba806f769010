# kill -9 the harness during a disk job: QEMU dies with it, and `pvbench cleanup`
# removes the scratch disk, socket and registry it left. Nothing else is touched.
. "$(dirname "$0")/lib.sh"
need_guest
scn=$(write_scenario k9 "virtio-blk" "randread" "runtime = 5" "repetitions = 3")
ls /tmp | grep -i pvb >"$TMP/tmp-before"
"$PVBENCH" run --accel tcg -o "$TMP/run" "$scn" >"$TMP/out" 2>&1 &
harness=$!
# Wait until a job runs (samples.csv gets the boot sample first).
for _ in $(seq 1 600); do
    grep -q randread "$TMP/run/samples.csv" 2>/dev/null && break
    grep -q boot_to_ready_s "$TMP/run/samples.csv" 2>/dev/null && sleep 1 && break
    kill -0 $harness 2>/dev/null || break
    sleep 0.1
done
grep -q boot_to_ready_s "$TMP/run/samples.csv" 2>/dev/null || { kill -9 $harness; cat "$TMP/out"; fail "the guest never booted"; }
reg=$(ls "$PVBENCH_STATE_DIR"/*/registry)
qemu_pid=$(awk '$1 == "proc" { print $2 }' "$reg" | head -1)
[ -n "$qemu_pid" ] || fail "no QEMU registered in $reg"
kill -9 $harness
wait $harness 2>/dev/null
for _ in $(seq 1 50); do [ -d "/proc/$qemu_pid" ] || break; sleep 0.1; done
[ -d "/proc/$qemu_pid" ] && fail "QEMU $qemu_pid survived the harness's SIGKILL"
ok "QEMU died with the harness"
ls "$PVBENCH_STATE_DIR"/*/ | grep -q 'disk-' || fail "expected a leftover scratch disk before cleanup"
"$PVBENCH" cleanup || fail "pvbench cleanup failed"
assert_no_leftovers
ls /tmp | grep -i pvb >"$TMP/tmp-after"
diff "$TMP/tmp-before" "$TMP/tmp-after" || fail "pvbench files appeared in /tmp"
# What was measured before the kill is still readable.
head -1 "$TMP/run/samples.csv" | grep -q '^config,' || fail "samples.csv damaged"
ok "samples written before the kill are intact"
