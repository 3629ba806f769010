# The demo's account, demo.html and the handout give, for each pair, the libvirt domain XML
# line and QEMU's -device option that choose the device, from run.json's configurations:
# change the fixture's run.json (its qemu_device, its device) and the text changes.
. "$(dirname "$0")/lib.sh"
[ -x "$PVBENCH" ] || skip "bench/pvbench not built (make)"
fx="$ROOT/bench/tests/fixtures/run-small"

cp -r "$fx" "$TMP/as"
"$PVBENCH" demo --lang en --from "$TMP/as" >"$TMP/as.out" 2>&1 || true
cat "$TMP/as.out"
grep -q "in libvirt's domain XML <target dev='hda' bus='ide'/> against <target dev='vda' bus='virtio'/>; on QEMU's command line -device ide-hd against -device virtio-blk-pci." \
    "$TMP/as.out" || fail "the account lacks the XML and QEMU lines"
grep -q "<code>-device virtio-blk-pci</code>" "$TMP/as/demo.html" || fail "demo.html lacks -device"
grep -q "bus=&#39;ide&#39;" "$TMP/as/demo.html" || fail "demo.html lacks the XML line"
if [ -f "$TMP/as/handout.html" ]; then
    grep -q "<code>-device ide-hd</code>" "$TMP/as/handout.html" || fail "the handout lacks -device"
fi
ok "the fixture's lines in the account, demo.html and the handout"

cp -r "$fx" "$TMP/changed"
# the emulated disk becomes AHCI (libvirt bus sata), its -device as run.json says
sed -i 's/"device":"ide"/"device":"ahci"/; s/"qemu_device":"ide-hd"/"qemu_device":"ide-hd,bus=ahci0.0"/' \
    "$TMP/changed/run.json"
"$PVBENCH" demo --lang en --from "$TMP/changed" >"$TMP/changed.out" 2>&1 || true
grep -q "<target dev='sda' bus='sata'/> against <target dev='vda' bus='virtio'/>; on QEMU's command line -device ide-hd,bus=ahci0.0 against" \
    "$TMP/changed.out" || { cat "$TMP/changed.out"; fail "the account did not follow run.json"; }
grep -q "<code>-device ide-hd,bus=ahci0.0</code>" "$TMP/changed/demo.html" ||
    fail "demo.html did not follow run.json"
ok "a changed run.json changes the lines"

"$PVBENCH" demo --lang es --from "$TMP/as" >"$TMP/es.out" 2>&1 || true
grep -q "en el XML del dominio de libvirt <target dev='hda' bus='ide'/> frente a" "$TMP/es.out" ||
    { cat "$TMP/es.out"; fail "the Spanish account lacks the lines"; }
ok "the Spanish account too"

# A run that recorded each configuration's libvirt_dut (the element the libvirt backend
# writes): the XML line is that one, not the device table's.
cp -r "$fx" "$TMP/recorded"
python3 - "$TMP/recorded/run.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
for c in d["configs"]:
    if c["device"] == "virtio-blk":
        c["libvirt_dut"] = "<target dev='vdq' bus='virtio'/>"
json.dump(d, open(p, "w"))
PY
"$PVBENCH" demo --lang en --from "$TMP/recorded" >"$TMP/recorded.out" 2>&1 || true
grep -q "<target dev='hda' bus='ide'/> against <target dev='vdq' bus='virtio'/>" \
    "$TMP/recorded.out" || { cat "$TMP/recorded.out"; fail "the recorded libvirt_dut was not used"; }
grep -q "dev=&#39;vdq&#39;" "$TMP/recorded/demo.html" || fail "demo.html did not use libvirt_dut"
ok "run.json's recorded libvirt_dut is the XML line"
