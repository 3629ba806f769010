# `pvbench run --backend qemu,libvirt` end to end: every configuration through a real
# libvirtd and through QEMU directly, job after job in one run, so the machine's drift
# touches both alike (two consecutive runs here differed by up to 63% in IOPS whatever the
# backend: docs/libvirt.md). Checked: run.json and the configurations of both backends,
# the host's block counters (libvirt) agreeing with the agent, and the equivalence: for
# each device, the ratios libvirt / qemu of IOPS and of host CPU per I/O must not show a
# difference beyond 25% (their 95% intervals must reach into [0.80, 1.25]). Not "the
# interval holds 1": small real differences exist (virtio-blk through libvirt took 1.15x
# the interrupts per I/O, and in one CI run 0.93x [0.86 .. 0.98] the IOPS), and load from
# elsewhere comes in bursts that hit one backend's jobs more than the other's (once: 1.40x
# [1.03 .. 1.63] while the machine ran at a quarter of its speed). Another device model or
# a throttled disk differs far more (virtio-blk is ~5x ide here; 300 IOPS is -98%). A
# difference found is measured once more, and the test fails only when the same metric of
# the same device differs the same way twice. The side-by-side tables (medians, intervals,
# ratios, define-to-ready) are printed.
. "$(dirname "$0")/lib.sh"
need_guest
libvirt_up
scn=$(write_scenario lv "ide, virtio-blk" "randread" "repetitions = 5")

"$PVBENCH" run --accel tcg --backend qemu,libvirt -o "$TMP/lv" "$scn" >"$TMP/out-lv" 2>&1; rc=$?
cat "$TMP/out-lv"
[ $rc -eq 0 ] || fail "side-by-side run exited $rc"
grep -q '"backend": *"qemu,libvirt"' "$TMP/lv/run.json" ||
    fail "run.json does not name both backends"
for cfg in ide@qemu ide@libvirt virtio-blk@qemu virtio-blk@libvirt; do
    [ "$(csv_values "$TMP/lv/samples.csv" value "$cfg" randread iops | wc -l)" -eq 5 ] ||
        fail "$cfg: not 5 IOPS samples"
done
ratios=$(csv_values "$TMP/lv/samples.csv" value virtio-blk@libvirt randread host_bytes_ratio)
[ -n "$ratios" ] || fail "no host_bytes_ratio samples (libvirt block stats)"
for v in $ratios; do
    awk -v v="$v" 'BEGIN { exit !(v > 0.95 && v < 1.05) }' || fail "host/agent bytes disagree: $v"
done
ok "both backends measured; host block counters agree with the agent ($(echo $ratios))"
[ -z "$(virsh -c qemu:///system list --all --name | grep '^pvb-')" ] || fail "pvb- domain left"
# "device metric up|down" for each row of the side-by-side table in $1 (IOPS, host CPU
# per I/O) whose ratio interval lies wholly above 1.25 or below 0.80.
differences() {
    awk '$2 == "randread" && ($3 == "iops" || $3 == "host_cpu_us_per_op") {
             lo = $13; hi = $15; sub(/^\[/, "", lo); sub(/\]$/, "", hi)
             if (lo + 0 > 1.25) print $1, $3, "up"
             else if (hi + 0 < 0.80) print $1, $3, "down" }' "$1"
}
grep -q '^backends side by side' "$TMP/out-lv" || fail "no side-by-side table"
for dev in ide virtio-blk; do
    for m in iops host_cpu_us_per_op; do
        row=$(awk -v d="$dev" -v m="$m" '$1 == d && $2 == "randread" && $3 == m' "$TMP/out-lv")
        echo "$row" | grep -Eq 'x \[[0-9.]+ \.\. [0-9.]+\] [~*] ' ||
            fail "$dev: no $m row with a ratio interval in the side-by-side table"
    done
done
first=$(differences "$TMP/out-lv")
if [ -n "$first" ]; then
    echo "the backends differ by more than 25% in: $first; measuring once more"
    "$PVBENCH" run --accel tcg --backend qemu,libvirt -o "$TMP/lv2" "$scn" >"$TMP/out-lv2" 2>&1 ||
        { cat "$TMP/out-lv2"; fail "second side-by-side run failed"; }
    grep -A20 '^backends side by side' "$TMP/out-lv2"
    both=$(grep -Fxf <(echo "$first") <(differences "$TMP/out-lv2"))
    [ -z "$both" ] || fail "the backends differ in two runs: $both"
fi
ok "same scenario through libvirt and qemu, side by side: IOPS and host CPU per I/O within 25%"

# A NIC through both backends side by side (each guest its own tap on the same test
# network), into a relative output folder: libvirtd's QEMU runs elsewhere and must still
# find the console log.
nscn=$(write_scenario lvnet "virtio-net" "tcp_rr" "repetitions = 1")
(cd "$TMP" && "$PVBENCH" run --accel tcg --backend qemu,libvirt -o lvnet "$nscn") \
    >"$TMP/out-lvnet" 2>&1; rc=$?
cat "$TMP/out-lvnet"
[ $rc -eq 0 ] || fail "side-by-side network run exited $rc"
for cfg in virtio-net@qemu virtio-net@libvirt; do
    [ -n "$(csv_values "$TMP/lvnet/samples.csv" value "$cfg" tcp_rr transactions_s)" ] ||
        fail "no tcp_rr result of $cfg"
    [ -s "$TMP/lvnet/logs/$cfg-console.log" ] || fail "no console log of $cfg"
done
[ "$(grep -c '"guest_driver": *"virtio_net"' "$TMP/lvnet/run.json")" -eq 2 ] ||
    fail "virtio_net did not bind in both guests"
ok "virtio-net through libvirt and qemu side by side measured tcp_rr"
assert_no_leftovers
# pvbench-test: alone (the machine's libvirtd, or daemons of its own on loopback ports)
