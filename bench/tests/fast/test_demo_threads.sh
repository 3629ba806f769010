# The demo's account and web page use the CPU split by QEMU thread when a run has it: a
# fixture run folder without the split says nothing of threads; with host_cpu_main_us_per_op
# and host_cpu_vcpu_us_per_op rows added, the account gives their numbers (English, Spanish)
# and demo.html gets their rows. `demo --from`: no run, no guest.
. "$(dirname "$0")/lib.sh"
[ -x "$PVBENCH" ] || skip "bench/pvbench not built (make)"
fx="$ROOT/bench/tests/fixtures/run-small"

cp -r "$fx" "$TMP/plain"
"$PVBENCH" demo --lang en --from "$TMP/plain" >"$TMP/plain.out" 2>&1 || true
cat "$TMP/plain.out"
grep -q "main loop\|vCPU threads" "$TMP/plain.out" && fail "threads named without the split"
ok "no split: no sentence about threads"

cp -r "$fx" "$TMP/split"
# ide and virtio-blk randread: main loop 111 vs 22.2 µs, vCPU threads 222 vs 44.4 µs, of
# 440.054 and 82.9 µs (the fixture's host_cpu_us_per_op)
{
    echo "ide,ide,emulated,blk,randread,host_cpu_main_us_per_op,us,2,111,100,120"
    echo "ide,ide,emulated,blk,randread,host_cpu_vcpu_us_per_op,us,2,222,200,240"
    echo "virtio-blk,virtio-blk,paravirtual,blk,randread,host_cpu_main_us_per_op,us,2,22.2,20,24"
    echo "virtio-blk,virtio-blk,paravirtual,blk,randread,host_cpu_vcpu_us_per_op,us,2,44.4,40,48"
} >>"$TMP/split/summary.csv"
"$PVBENCH" demo --lang en --from "$TMP/split" >"$TMP/split.out" 2>&1 || true
cat "$TMP/split.out"
grep -q "Of QEMU's CPU per read, the main loop took 111 vs 22.2 µs, the vCPU threads 222 vs 44.4 µs" \
    "$TMP/split.out" || fail "the account lacks the split"
share_e=$(awk -v v=222 -v t="$(csv_values "$fx/summary.csv" median ide randread host_cpu_us_per_op)" \
    'BEGIN { printf "%.0f", 100 * v / t }')
grep -q "took $share_e % and" "$TMP/split.out" || fail "the vCPU share ($share_e %) is not the run's"
grep -q "main loop (randread)" "$TMP/split/demo.html" || fail "demo.html lacks the main loop's row"
ok "the account and demo.html give the split and the vCPU threads' share"

"$PVBENCH" demo --lang es --from "$TMP/split" >"$TMP/split-es.out" 2>&1 || true
grep -q "el bucle principal, 111 frente a 22,2 µs, los hilos de las vCPU 222 frente a 44,4 µs" \
    "$TMP/split-es.out" || { cat "$TMP/split-es.out"; fail "the Spanish account lacks the split"; }
ok "the Spanish account too"
