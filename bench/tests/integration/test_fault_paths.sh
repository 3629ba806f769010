# An agent told to misbehave: without retries (job_retries = 0) the configuration fails
# with a clear reason, QEMU is gone, the run goes on with the next configuration, and the
# exit code says so (3). With retries allowed, a fresh guest runs the lost job
# again, the run completes, and run.json records the retry and its reason.
. "$(dirname "$0")/lib.sh"
need_guest

check_fault() {
    local fault=$1 expect=$2 extra=${3:-"job_retries = 0"} out="$TMP/run-$1"
    local scn
    scn=$(write_scenario "f-$fault" "virtio-blk, ide" "randread" "repetitions = 1" \
        "job_retries = 0" "$extra")
    local t0=$SECONDS
    "$PVBENCH" run --accel tcg --fault "$fault@virtio-blk" -o "$out" "$scn" >"$TMP/out-$fault" 2>&1
    local rc=$?
    cat "$TMP/out-$fault"
    [ $rc -eq 3 ] || fail "$fault: exit $rc, expected 3"
    grep -q "\"status\": *\"failed\"" "$out/run.json" || fail "$fault: no failed config in run.json"
    grep -Eq "\"reason\": *\"[^\"]*$expect" "$out/run.json" ||
        fail "$fault: reason does not mention '$expect'"
    # The next configuration (ide) still ran and measured.
    [ -n "$(csv_values "$out/samples.csv" value ide randread iops)" ] ||
        fail "$fault: the run did not go on with ide"
    ok "$fault: failed with a reason matching '$expect' in $((SECONDS - t0)) s, ide still measured"
}

check_fault garbage "garbage"
check_fault crash "QEMU exited"
check_fault exit "QEMU exited"
check_fault flood "flooded"
check_fault hang "timed out" "why = no"
# A lost guest explains itself even without the why session's QMP (why = no): two snapshots
# through its own monitor socket, and a verdict per queue (the agent hung before any I/O).
log="$TMP/run-hang/logs/virtio-blk-agent.log"
grep -q "^pvbench: snapshot 2: virtio devices and queues" "$log" || fail "hang: no second snapshot"
grep -Eq "^pvbench: +queue 0 in guest memory: avail.idx [0-9]+, used_event [0-9]+" "$log" ||
    fail "hang: the guest's ring indices were not read"
grep -q "^pvbench:   info lapic:" "$log" || fail "hang: no LAPIC state"
msix="^pvbench:   MSI-X [0-9a-f:.]+ \(1af4:[0-9a-f]+\) vector 1: address 0x[0-9a-f]+, "
grep -Eq "${msix}data 0x[0-9a-f]+, masked (yes|no), pending (yes|no)$" "$log" ||
    fail "hang: the virtio-blk function's MSI-X table and pending bits were not read"
grep -q "^pvbench: verdict: MSI-X: no vector pending" "$log" ||
    fail "hang: no MSI-X verdict (an agent that hung before any I/O leaves no vector pending)"
grep -q "^pvbench: verdict: virtio-blk queue 0: no request reached QEMU" "$log" ||
    fail "hang: no verdict, or not the idle queue of a hung agent: $(grep verdict "$log")"
ok "hang, why = no: snapshots and verdict in the agent log"
# A job whose requests never complete (--fault stall, QD32): the agent's own watchdog
# reports within 10 s, with its count, the kernel's and the block layer's view.
check_fault stall "timed out" "why = no"
log="$TMP/run-stall/logs/virtio-blk-agent.log"
line=$(grep -m1 "^stall: job [0-9]* (randread) completed nothing on /dev/vd" "$log") ||
    fail "stall: no stall report from the agent"
echo "$line"
secs=$(echo "$line" | sed -n 's/.* for \([0-9.]*\) s;.*/\1/p')
awk -v s="$secs" 'BEGIN { exit !(s >= 5 && s <= 10) }' || fail "stall: reported after '$secs' s"
echo "$line" | grep -Eq "in flight by the agent's count: 32; /sys/block/vd[a-z]+/inflight \(reads writes\): [0-9]+ [0-9]+; hctx0 busy: " ||
    fail "stall: the report lacks the agent's count, the kernel's inflight or the blk-mq state"
ok "stall: the agent reported its own stall after $secs s, with the kernel's view"

# The same hang with a retry: the run recovers on a fresh guest. The budget is two retries,
# not one: the virtio-blk hang of issue 20 (about 1 job in 1700 at QD32, docs/lost-guest.md)
# once struck the fresh guest's second job in CI, and a second lost job is the retry's to
# absorb, not this test's to fail on. Such a second loss is printed with its verdict.
out="$TMP/run-retry"
scn=$(write_scenario retry "virtio-blk" "randread" "repetitions = 2" "job_retries = 2")
"$PVBENCH" run --accel tcg --fault "hang@virtio-blk" -o "$out" "$scn" >"$TMP/out-retry" 2>&1
rc=$?
cat "$TMP/out-retry"
[ $rc -eq 0 ] || fail "retry: exit $rc, expected 0 (the retried job should have succeeded): $(
    grep -E '"(status|reason|retry_reason)"' "$out/run.json")"
retries=$(sed -n 's/.*"job_retries": *\([0-9]*\).*/\1/p' "$out/run.json")
case $retries in
1) grep -Eq '"retry_reason": *"randread rep 1: timed out' "$out/run.json" ||
       fail "retry: run.json does not say why the job was retried" ;;
2) echo "note: a second guest was lost besides the forced hang and retried: $(
       grep '"retry_reason"' "$out/run.json")"
   grep -h "^pvbench: verdict:" "$out/logs/virtio-blk-agent.attempt2.log" || true ;;
*) fail "retry: run.json counts '$retries' retries, expected 1 (or 2 with a real loss)" ;;
esac
grep -q "fault hang: never answering" "$out/logs/virtio-blk-console.attempt1.log" ||
    fail "retry: the first lost guest's console log is gone or is not the forced hang"
[ "$(csv_values "$out/samples.csv" value virtio-blk randread iops | wc -l)" -eq 2 ] ||
    fail "retry: expected both repetitions measured"
[ "$(csv_values "$out/samples.csv" value virtio-blk boot boot_to_ready_s | wc -l)" -eq $((retries + 1)) ] ||
    fail "retry: expected a boot sample for each of the $((retries + 1)) guests"
grep -Eq "^pvbench: +[0-9]+ CPU 0/TCG [A-Z] " "$out/logs/virtio-blk-agent.attempt1.log" ||
    fail "retry: the lost guest's QEMU threads were not logged"
grep -Eq '^pvbench: +queue 0: \{.*"used-idx"' "$out/logs/virtio-blk-agent.attempt1.log" ||
    fail "retry: the lost guest's virtqueue state was not logged"
grep -q "^pvbench: verdict: virtio-blk queue 0: " "$out/logs/virtio-blk-agent.attempt1.log" ||
    fail "retry (why = yes): no verdict line"
grep -q "run again on a fresh guest" "$TMP/out-retry" || fail "retry: no warning about the retry"
ok "hang with job_retries = 2: the lost job ran again on a fresh guest and the run completed"

# A guest lost in its traced "why" job: a fresh guest runs the why job again.
out="$TMP/run-why"
scn=$(write_scenario why "virtio-blk" "randread" "repetitions = 1")
"$PVBENCH" run --accel tcg --fault "crash@virtio-blk:why" -o "$out" "$scn" >"$TMP/out-why" 2>&1
rc=$?
cat "$TMP/out-why"
[ $rc -eq 0 ] || fail "why retry: exit $rc, expected 0"
grep -Eq '"retry_reason": *"randread why job: QEMU exited' "$out/run.json" ||
    fail "why retry: run.json does not say the why job's guest was lost"
[ -n "$(csv_values "$out/samples.csv" value virtio-blk randread reg_accesses_per_op)" ] ||
    fail "why retry: no why metrics after the retry"
ok "crash in the why job: a fresh guest ran it again, why metrics recorded"
assert_no_leftovers
