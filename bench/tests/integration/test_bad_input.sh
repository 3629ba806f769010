# Bad input is refused before anything starts: file:line: message, exit 2.
. "$(dirname "$0")/lib.sh"

printf '[scenario]\ndevices = ide, floppy\nworkloads = randread\n' >"$TMP/bad.ini"
out=$("$PVBENCH" run "$TMP/bad.ini" 2>&1); rc=$?
echo "$out"
[ $rc -eq 2 ] || fail "unknown device: exit $rc, expected 2"
echo "$out" | grep -q "bad.ini:2: .*floppy" || fail "unknown device: no file:line message"
ok "unknown device model refused with file:line"

printf '[scenario]\ndevices = ahci\nworkloads = randread\nmachine = pc\n' >"$TMP/mach.ini"
out=$("$PVBENCH" run "$TMP/mach.ini" 2>&1); rc=$?
echo "$out"
[ $rc -eq 2 ] || fail "machine mismatch: exit $rc"
echo "$out" | grep -q "mach.ini:4: .*q35" || fail "machine mismatch: no file:line message"
ok "device on the wrong machine refused"

out=$("$PVBENCH" run --accel warp "$TMP/bad.ini" 2>&1); rc=$?
[ $rc -eq 2 ] || fail "bad --accel: exit $rc"
out=$("$PVBENCH" frobnicate 2>&1); rc=$?
[ $rc -eq 2 ] || fail "unknown command: exit $rc"
printf '[scenario]\ndevices = ide\nworkloads = randread\n' >"$TMP/ok.ini"
for b in "qemu,xen" "qemu,libvirt --connect qemu+ssh://elsewhere/system"; do
    # shellcheck disable=SC2086 # the second word list is meant to split
    out=$("$PVBENCH" run --backend $b -o "$TMP/nobackend" "$TMP/ok.ini" 2>&1); rc=$?
    echo "$out"
    [ $rc -eq 2 ] || fail "--backend $b: exit $rc, expected 2"
    [ ! -e "$TMP/nobackend" ] || fail "--backend $b: a run folder was made"
done
ok "usage errors exit 2 (a bad --backend before any run folder exists)"

# A missing image is a measurement failure (3), said plainly, not a crash.
printf '[scenario]\ndevices = ide\nworkloads = randread\n' >"$TMP/ok.ini"
out=$("$PVBENCH" run --image "$TMP/noimage" -o "$TMP/r" "$TMP/ok.ini" 2>&1); rc=$?
echo "$out"
[ $rc -eq 3 ] || fail "missing image: exit $rc, expected 3"
echo "$out" | grep -q "make image" || fail "missing image: message does not say how to fix it"
ok "missing guest image reported"

out=$("$PVBENCH" run --qemu /nonexistent/qemu -o "$TMP/r2" "$TMP/ok.ini" 2>&1); rc=$?
echo "$out"
[ $rc -eq 3 ] || [ $rc -eq 77 ] || fail "missing qemu: exit $rc, expected 3"
ok "missing qemu binary reported"
