# `pvbench selftest`'s network part (issue 9) with a real guest under TCG: one virtio-net
# guest booted with the fio image (which carries iperf3) runs tcp_tx and tcp_rx with the
# agent against the host peer and with engine=iperf3 against an iperf3 server in the same
# namespace, alternating; agent/iperf3 per metric with its interval. Then the skips: no
# iperf3 in the image, no iperf3 on the host.
. "$(dirname "$0")/lib.sh"
need_guest
[ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
command -v ip >/dev/null || skip "ip(8) missing (iproute2)"
command -v iperf3 >/dev/null || skip "iperf3 missing on the host (scripts/setup installs it)"
[ -r "$IMAGE/initramfs-fio.img" ] || skip "no fio image (make image-fio)"
if [ -r "$IMAGE/tools-fio.txt" ] && ! grep -q iperf3 "$IMAGE/tools-fio.txt"; then
    skip "the fio image carries no iperf3 (make image-fio with iperf3 installed)"
fi

# ---- 1. agent against iperf3, both directions ----------------------------------------------
out="$TMP/st"
"$PVBENCH" selftest --accel tcg --workloads tcp_tx,tcp_rx --reps 2 --runtime 1 --warmup 0 \
    --image "$IMAGE" -o "$out" >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
cat "$TMP/stdout" "$TMP/stderr"
# 1: a goal missed is a verdict too (a loaded TCG host); anything else is not
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "selftest (network) exited $rc"
for wl in tcp_tx tcp_rx; do
    for eng in agent iperf3; do
        vals=$(csv_values "$out/samples.csv" value "$eng" "$wl" throughput_mbit_s)
        [ "$(echo "$vals" | grep -c .)" -eq 2 ] || fail "$eng $wl: not 2 samples: $vals"
        for v in $vals; do
            awk -v v="$v" 'BEGIN { exit !(v > 1 && v < 100000) }' ||
                fail "$eng $wl throughput $v Mbit/s implausible"
        done
    done
    grep -Eq "^$wl,throughput_mbit_s,>= 0.95,2,2,[0-9.e+]+,[0-9.e+]+,[0-9.e+]+,[0-9.e+]+,[0-9.e+]+,[01],iperf3\$" \
        "$out/selftest.csv" || fail "selftest.csv lacks the $wl verdict against iperf3"
    grep -Eq "^  $wl +throughput_mbit_s +[0-9.e+]+ +[0-9.e+]+ +[0-9.]+ \[" "$TMP/stdout" ||
        fail "the terminal lacks agent/iperf3 for $wl"
done
grep -q "agent / iperf3 in one virtio-net guest (tcg, iperf 3" "$TMP/stdout" ||
    fail "the verdict does not say what was compared"
grep -q "engine=iperf3" "$out/logs/selftest-net-console.log" || fail "the guest never ran iperf3"
grep -q "Accepted connection from 198.51.100.2" "$out/logs/selftest-iperf3-server.log" ||
    fail "the iperf3 server in the namespace never saw the guest"
# the server and the peer are gone: by the pids the log named
for p in $(sed -n 's/.*host peer pid \([0-9]*\).*iperf3 server pid \([0-9]*\).*/\1 \2/p' \
           "$TMP/stderr"); do
    [ -d "/proc/$p" ] && fail "process $p (peer or iperf3 server) still running"
done
ok "agent/iperf3 for tcp_tx and tcp_rx, 2 repetitions each, in one virtio-net guest"
assert_no_leftovers

# ---- 2. the fio image lists no iperf3: the network part is skipped before booting ----------
img="$TMP/img-noiperf"
mkdir -p "$img"
ln -s "$IMAGE/vmlinux" "$img/vmlinux"
ln -s "$IMAGE/initramfs-fio.img" "$img/initramfs-fio.img"
head -1 "$IMAGE/tools-fio.txt" 2>/dev/null >"$img/tools-fio.txt" || echo fio-3.33 >"$img/tools-fio.txt"
"$PVBENCH" selftest --accel tcg --workloads tcp_tx --reps 1 --runtime 1 --warmup 0 \
    --image "$img" -o "$TMP/noimg" >"$TMP/noimg.out" 2>&1
rc=$?
cat "$TMP/noimg.out"
[ $rc -eq 4 ] || fail "no iperf3 in the image: exit $rc, expected 4 (skipped)"
grep -q "network part (agent / iperf3) skipped: no iperf3 in the guest image" "$TMP/noimg.out" ||
    fail "the reason does not say iperf3 is missing in the image"
ok "no iperf3 in the image: skipped with the reason"

# ---- 3. no iperf3 on the host: skipped ------------------------------------------------------
bin="$TMP/bin"
mkdir -p "$bin"
for t in qemu-system-x86_64 ip fio; do
    p=$(command -v $t) && ln -s "$p" "$bin/$t"
done
PATH="$bin:/nonexistent" "$PVBENCH" selftest --accel tcg --workloads tcp_tx --reps 1 \
    --runtime 1 --warmup 0 --image "$IMAGE" -o "$TMP/nohost" >"$TMP/nohost.out" 2>&1
rc=$?
cat "$TMP/nohost.out"
[ $rc -eq 4 ] || fail "no iperf3 on the host: exit $rc, expected 4 (skipped)"
grep -q "iperf3 is not installed on this host" "$TMP/nohost.out" ||
    fail "the reason does not say iperf3 is missing on the host"
ok "no iperf3 on the host: skipped with the reason"
assert_no_leftovers
