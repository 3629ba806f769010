# `pvbench run --backend libvirt` end to end through a real libvirtd, the host's block
# counters agreeing with the agent, and the same scenario through both backends giving
# the same answer: IOPS and host CPU per I/O within 50% (pvbench compare both ways). The
# figures are printed. Two consecutive runs on this loaded 2-core TCG host have differed by
# up to 31% in IOPS and 53% in p99 latency whatever the backend (docs/libvirt.md), so the
# tail latency is not compared and the bound is wider than the drift.
. "$(dirname "$0")/lib.sh"
need_guest
libvirt_up
scn=$(write_scenario lv "ide, virtio-blk" "randread" "repetitions = 5")

"$PVBENCH" run --accel tcg --backend libvirt -o "$TMP/lv" "$scn" >"$TMP/out-lv" 2>&1; rc=$?
cat "$TMP/out-lv"
[ $rc -eq 0 ] || fail "libvirt run exited $rc"
grep -q '"backend": *"libvirt"' "$TMP/lv/run.json" || fail "run.json does not name the libvirt backend"
ratios=$(csv_values "$TMP/lv/samples.csv" value virtio-blk randread host_bytes_ratio)
[ -n "$ratios" ] || fail "no host_bytes_ratio samples (libvirt block stats)"
for v in $ratios; do
    awk -v v="$v" 'BEGIN { exit !(v > 0.95 && v < 1.05) }' || fail "host/agent bytes disagree: $v"
done
ok "libvirt run complete; host block counters agree with the agent ($(echo $ratios))"
[ -z "$(virsh -c qemu:///system list --all --name | grep '^pvb-')" ] || fail "pvb- domain left"

"$PVBENCH" run --accel tcg --backend qemu -o "$TMP/qm" "$scn" >"$TMP/out-qm" 2>&1 ||
    { cat "$TMP/out-qm"; fail "qemu run failed"; }
for dev in ide virtio-blk; do
    echo "$dev randread IOPS median [95% interval]:" \
        "qemu $(csv_values "$TMP/qm/summary.csv" median "$dev" randread iops)" \
        "[$(csv_values "$TMP/qm/summary.csv" ci95_low "$dev" randread iops)" \
        "$(csv_values "$TMP/qm/summary.csv" ci95_high "$dev" randread iops)]" \
        "libvirt $(csv_values "$TMP/lv/summary.csv" median "$dev" randread iops)" \
        "[$(csv_values "$TMP/lv/summary.csv" ci95_low "$dev" randread iops)" \
        "$(csv_values "$TMP/lv/summary.csv" ci95_high "$dev" randread iops)]"
done
for pair in "qm lv" "lv qm"; do
    set -- $pair
    "$PVBENCH" compare --threshold 50 --metrics iops,host_cpu_us_per_op --no-plot \
        --output "$TMP/cmp-$1-$2.json" \
        "$TMP/$1" "$TMP/$2" >"$TMP/cmp" 2>&1; rc=$?
    cat "$TMP/cmp"
    [ $rc -eq 0 ] || fail "backends disagree ($1 -> $2): compare exited $rc"
done
ok "same scenario through libvirt and qemu: IOPS and host CPU per I/O within 50% either way"

# A NIC through libvirt: <interface type='ethernet'> on the run's own tap, same test network.
nscn=$(write_scenario lvnet "virtio-net" "tcp_rr" "repetitions = 1")
"$PVBENCH" run --accel tcg --backend libvirt -o "$TMP/lvnet" "$nscn" >"$TMP/out-lvnet" 2>&1; rc=$?
cat "$TMP/out-lvnet"
[ $rc -eq 0 ] || fail "libvirt network run exited $rc"
[ -n "$(csv_values "$TMP/lvnet/samples.csv" value virtio-net tcp_rr transactions_s)" ] ||
    fail "no tcp_rr result through libvirt"
grep -q '"guest_driver": *"virtio_net"' "$TMP/lvnet/run.json" || fail "virtio_net did not bind"
ok "virtio-net through libvirt measured tcp_rr"
assert_no_leftovers
