# Under KVM the demo's account, demo.html and the handout give KVM's VM exits per operation
# (exits_per_op and its port I/O and MMIO parts) instead of TCG's trapped register accesses,
# and say which they show. The fixture run folder, made a KVM run with exits rows added.
. "$(dirname "$0")/lib.sh"
[ -x "$PVBENCH" ] || skip "bench/pvbench not built (make)"
fx="$ROOT/bench/tests/fixtures/run-small"

cp -r "$fx" "$TMP/tcg"
"$PVBENCH" demo --lang en --from "$TMP/tcg" >"$TMP/tcg.out" 2>&1 || true
grep -q "VM exits" "$TMP/tcg.out" "$TMP/tcg/demo.html" && fail "VM exits named in a TCG run"
ok "TCG run: no VM exits"

cp -r "$fx" "$TMP/kvm"
sed -i 's/"name":"tcg"/"name":"kvm"/' "$TMP/kvm/run.json"
{
    echo "ide,ide,emulated,blk,randread,exits_per_op,exit/op,2,12.5,12,13"
    echo "ide,ide,emulated,blk,randread,io_exits_per_op,exit/op,2,9.5,9,10"
    echo "ide,ide,emulated,blk,randread,mmio_exits_per_op,exit/op,2,0.25,0.2,0.3"
    echo "virtio-blk,virtio-blk,paravirtual,blk,randread,exits_per_op,exit/op,2,1.75,1.5,2"
    echo "virtio-blk,virtio-blk,paravirtual,blk,randread,io_exits_per_op,exit/op,2,0.5,0.4,0.6"
    echo "virtio-blk,virtio-blk,paravirtual,blk,randread,mmio_exits_per_op,exit/op,2,0.3,0.2,0.4"
} >>"$TMP/kvm/summary.csv"
"$PVBENCH" demo --lang en --from "$TMP/kvm" >"$TMP/kvm.out" 2>&1 || true
cat "$TMP/kvm.out"
grep -q "Under KVM these are VM exits" "$TMP/kvm.out" || fail "the account does not say it shows exits"
grep -q "IDE caused 12.5 VM exits per read, virtio-blk 1.75: 7× fewer" "$TMP/kvm.out" ||
    fail "the account lacks the run's exits"
grep -q "Port I/O exits: 9.50 vs 0.50. MMIO exits: 0.25 vs 0.30" "$TMP/kvm.out" ||
    fail "the account lacks the port I/O and MMIO exits"
grep -q "VM exits per read (randread, KVM)" "$TMP/kvm/demo.html" || fail "demo.html lacks exits"
grep -q "<b>12.5</b>" "$TMP/kvm/demo.html" || fail "demo.html lacks the exits' number"
if [ -f "$TMP/kvm/handout.html" ]; then
    grep -q "VM exits per read" "$TMP/kvm/handout.html" || fail "the handout lacks exits"
fi
grep -q "under KVM the demo shows KVM's VM exits per operation instead" "$TMP/kvm.out" ||
    fail "the missing list does not say the exits stand for the register counts"
grep -q "the traced 'why' jobs need" "$TMP/kvm.out" && fail "a KVM run told why.json is needed"
ok "KVM run: the account, demo.html and handout give the exits and say so"

"$PVBENCH" demo --lang es --from "$TMP/kvm" >"$TMP/kvm-es.out" 2>&1 || true
grep -q "IDE causó 12,5 salidas de la VM por lectura, virtio-blk 1,75" "$TMP/kvm-es.out" ||
    { cat "$TMP/kvm-es.out"; fail "the Spanish account lacks the exits"; }
ok "the Spanish account too"
