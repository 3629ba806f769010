# kill -9 the guest's QEMU mid-job: without retries (job_retries = 0) that configuration
# fails with a reason naming the signal, the run goes on with the next configuration, and
# the exit code says so (3). (With a retry a fresh guest would take over: test_fault_paths.)
. "$(dirname "$0")/lib.sh"
need_guest
scn=$(write_scenario kq "virtio-blk, ide" "randread" "runtime = 5" "repetitions = 2" \
    "job_retries = 0")
out="$TMP/run"
"$PVBENCH" run --accel tcg -o "$out" "$scn" >"$TMP/out" 2>&1 &
harness=$!
# Wait until the first guest booted and a job runs (the boot sample comes first).
for _ in $(seq 1 900); do
    grep -q boot_to_ready_s "$out/samples.csv" 2>/dev/null && break
    kill -0 $harness 2>/dev/null || break
    sleep 0.1
done
grep -q boot_to_ready_s "$out/samples.csv" 2>/dev/null ||
    { kill -9 $harness; cat "$TMP/out"; fail "the guest never booted"; }
# The first measured job of virtio-blk has started (5 s long): kill within it.
for _ in $(seq 1 300); do
    grep -q 'virtio-blk  *randread  *rep 1' "$TMP/out" && break
    sleep 0.1
done
sleep 2
# The virtio-blk guest's QEMU from this run's registry ("proc <pid> <starttime>"; the next
# guest may boot ahead), told apart by its command line; only that pid is killed.
reg=$(ls "$PVBENCH_STATE_DIR"/*/registry)
qemu_pid='' qemu_start=''
while read -r kind pid start _; do
    [ "$kind" = proc ] || continue
    { mapfile -d '' args <"/proc/$pid/cmdline"; } 2>/dev/null || continue
    case "${args[*]}" in
        *virtio-blk*) qemu_pid=$pid qemu_start=$start; break ;;
    esac
done <"$reg"
[ -n "$qemu_pid" ] || fail "no virtio-blk QEMU registered in $reg"
# Same process as registered (start time, field 22 of /proc/PID/stat), then SIGKILL it.
[ "$(awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$qemu_pid/stat")" = "$qemu_start" ] ||
    fail "pid $qemu_pid is not the registered QEMU"
kill -9 "$qemu_pid"
t0=$SECONDS
wait $harness
rc=$?
cat "$TMP/out"
[ $rc -eq 3 ] || fail "exit $rc, expected 3 (a configuration failed)"
grep -q '"status": *"failed"' "$out/run.json" || fail "no failed configuration in run.json"
grep -Eq '"reason": *"[^"]*(signal 9|Killed)' "$out/run.json" ||
    fail "the reason does not name the signal: $(grep '"reason"' "$out/run.json")"
ok "virtio-blk failed with a reason naming SIGKILL"
[ -n "$(csv_values "$out/samples.csv" value ide randread iops)" ] ||
    fail "the run did not go on with ide"
ok "the run went on with ide ($((SECONDS - t0)) s after the kill)"
"$PVBENCH" report "$out" >/dev/null 2>&1
[ $? -eq 0 ] || [ $? -eq 4 ] || fail "pvbench report cannot read the run"
assert_no_leftovers
