# An agent told to misbehave (--fault), through the process backend. Without retries
# (job_retries = 0) the configuration fails with a clear reason, its agent is gone and the
# run goes on with the next configuration (exit 3). With one retry a fresh "guest" runs the
# lost job again and the run completes; run.json counts the retry and says why.
. "$(dirname "$0")/lib.sh"
need_agent

check_fault() {
    local fault=$1 expect=$2 out="$TMP/run-$1" scn rc t0=$SECONDS
    scn=$(write_scenario "f-$fault" "virtio-blk, ide" "randread" "repetitions = 1" \
        "runtime = 0.3" "warmup = 0.1" "job_retries = 0")
    "$PVBENCH" run --fault "$fault@virtio-blk" -o "$out" "$scn" >"$TMP/out-$fault" 2>&1
    rc=$?
    cat "$TMP/out-$fault"
    [ $rc -eq 3 ] || fail "$fault: exit $rc, expected 3"
    [ "$(json_get "$out/run.json" configs 0 status)" = failed ] ||
        fail "$fault: virtio-blk not failed in run.json"
    json_get "$out/run.json" configs 0 reason | grep -Eq "$expect" ||
        fail "$fault: reason does not mention '$expect'"
    [ "$(json_get "$out/run.json" configs 1 status)" = ok ] || fail "$fault: ide did not run"
    [ -n "$(csv_values "$out/samples.csv" value ide randread iops)" ] ||
        fail "$fault: the run did not go on with ide"
    ok "$fault: failed with a reason matching '$expect' in $((SECONDS - t0)) s, ide measured"
}

check_fault garbage "garbage"
check_fault crash "exited|killed"
check_fault exit "exited"
# The backend names what ran the agent: an agent process, not QEMU.
json_get "$TMP/run-exit/run.json" configs 0 reason | grep -q "^randread rep 1: the agent process exited" ||
    fail "exit: the reason does not name the agent process"
check_fault flood "flooded"
# A job that stops completing (a lost completion): the agent's watchdog says so, in a LOG
# line within 10 s, with what it knows, before the harness gives up on the job.
check_fault stall "timed out"
line=$(grep -m1 "stall: job [0-9]* (randread) completed nothing on " \
    "$TMP/run-stall/logs/virtio-blk-agent.log") || fail "stall: no stall report in the agent log"
echo "$line"
secs=$(echo "$line" | sed -n 's/.* for \([0-9.]*\) s;.*/\1/p')
awk -v s="$secs" 'BEGIN { exit !(s >= 5 && s <= 10) }' ||
    fail "stall: reported after '$secs' s, expected 5 to 10"
echo "$line" | grep -q "in flight by the agent's count: 32" ||
    fail "stall: the report lacks the agent's requests in flight (QD32)"
ok "stall: the agent reported its own stall after $secs s"

# A lost agent (exit, then a hang: the job's deadline, about 16 s) with the default retry:
# a fresh one runs the job again.
for fault in exit hang; do
    why=$([ $fault = hang ] && echo "timed out" || echo "exited")
    out="$TMP/retry-$fault"
    scn=$(write_scenario "r-$fault" "virtio-blk" "randread" "repetitions = 2" "runtime = 0.3" \
        "warmup = 0.1")
    "$PVBENCH" run --fault "$fault@virtio-blk" -o "$out" "$scn" >"$TMP/out-r-$fault" 2>&1
    rc=$?
    cat "$TMP/out-r-$fault"
    [ $rc -eq 0 ] || fail "retry $fault: exit $rc, expected 0"
    [ "$(json_get "$out/run.json" configs 0 job_retries)" = 1 ] ||
        fail "retry $fault: run.json does not count one retry"
    json_get "$out/run.json" configs 0 retry_reason | grep -Eq "^randread rep 1: .*$why" ||
        fail "retry $fault: run.json does not say which job was retried and why"
    [ "$(csv_values "$out/samples.csv" value virtio-blk randread iops | wc -l)" -eq 2 ] ||
        fail "retry $fault: expected both repetitions measured"
    [ "$(csv_values "$out/samples.csv" value virtio-blk boot boot_to_ready_s | wc -l)" -eq 2 ] ||
        fail "retry $fault: expected a boot sample for each of the two agents"
    [ -s "$out/logs/virtio-blk-console.attempt1.log" ] ||
        fail "retry $fault: the lost agent's console log is gone"
    grep -q "run again on a fresh guest" "$TMP/out-r-$fault" || fail "retry $fault: no warning"
    ok "$fault with job_retries = 1: the lost job ran again on a fresh agent, the run completed"
done
assert_no_leftovers
