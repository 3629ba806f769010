# kill -9 the harness during a network job: QEMU and the host peer die with it, and
# `pvbench cleanup` removes the namespace, bridge, taps and veth it left. Nothing else.
. "$(dirname "$0")/lib.sh"
need_guest
[ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
command -v ip >/dev/null || skip "ip(8) missing (iproute2)"
scn=$(write_scenario k9net "virtio-net" "tcp_tx" "runtime = 5" "repetitions = 3")
"$PVBENCH" run --accel tcg -o "$TMP/run" "$scn" >"$TMP/out" 2>&1 &
harness=$!
# Wait until a job runs: the boot sample is written, then the first job starts.
for _ in $(seq 1 600); do
    grep -q boot_to_ready_s "$TMP/run/samples.csv" 2>/dev/null && sleep 2 && break
    kill -0 $harness 2>/dev/null || break
    sleep 0.1
done
grep -q boot_to_ready_s "$TMP/run/samples.csv" 2>/dev/null ||
    { kill -9 $harness; cat "$TMP/out"; fail "the guest never booted"; }
reg=$(ls "$PVBENCH_STATE_DIR"/*/registry)
run_id=$(basename "$(dirname "$reg")")
procs=$(awk '$1 == "proc" { print $2 }' "$reg")
[ "$(echo "$procs" | grep -c .)" -ge 2 ] || fail "expected QEMU and the host peer in $reg"
grep -q "^netns pvb-$run_id\$" "$reg" || fail "namespace not registered"
grep -q "^link pvbt${run_id}0\$" "$reg" || fail "tap not registered"
ip netns | grep -q "pvb-$run_id" || fail "namespace pvb-$run_id not there during the run"
kill -9 $harness
wait $harness 2>/dev/null
for p in $procs; do
    for _ in $(seq 1 50); do [ -d "/proc/$p" ] || break; sleep 0.1; done
    [ -d "/proc/$p" ] && fail "process $p survived the harness's SIGKILL"
done
ok "QEMU and the host peer died with the harness"
ip -o link | grep -q "pvb[tbv]$run_id" || fail "expected leftover links before cleanup"
"$PVBENCH" cleanup || fail "pvbench cleanup failed"
left=$(ip -o link | grep "pvb[tbv]$run_id")
[ -z "$left" ] || fail "links left after cleanup: $left"
ip netns | grep -q "pvb-$run_id" && fail "namespace pvb-$run_id left after cleanup"
ok "namespace, bridge, tap and veth of run $run_id removed"
assert_no_leftovers
