# An agent told to misbehave: the configuration fails with a clear reason, QEMU is
# gone, the run goes on with the next configuration, and the exit code says so (3).
. "$(dirname "$0")/lib.sh"
need_guest

check_fault() {
    local fault=$1 expect=$2 out="$TMP/run-$1"
    local scn
    scn=$(write_scenario "f-$fault" "virtio-blk, ide" "randread" "repetitions = 1")
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
check_fault hang "timed out"
assert_no_leftovers
