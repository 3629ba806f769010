# A virtio-net guest with queues = 2 on 2 vCPUs: its tap is multi_queue, QEMU opens it twice
# (mq=on), the agent reports 2 receive queues in use on eth0 and tcp_tx measures; a queues = 1
# configuration next to it keeps one queue; streams = 4 (four connections on the guest's two
# vCPUs) is measured on both. queues above vcpus is refused before a boot.
. "$(dirname "$0")/lib.sh"
need_guest
[ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
command -v ip >/dev/null || skip "ip(8) missing (iproute2)"
scn="$TMP/mq.ini"
cat >"$scn" <<'INI'
[scenario]
name = test
workloads = tcp_tx, tx4
repetitions = 2
runtime = 0.5
warmup = 0.2
warmup_jobs = 0
why = no
vcpus = 2

[workload tx4]
rw = tcp_tx
streams = 4

[config q1]
device = virtio-net
queues = 1

[config q2]
device = virtio-net
queues = 2
INI

"$PVBENCH" run -n --accel tcg "$scn" >"$TMP/dry" 2>&1 || { cat "$TMP/dry"; fail "run -n"; }
grep -q '^;   q2: qemu-system-x86_64 .*-netdev tap,[^ ]*,queues=2 ' "$TMP/dry" ||
    { cat "$TMP/dry"; fail "run -n: q2's -netdev lacks queues=2"; }
grep -q '^;   q2: .*-device virtio-net-pci,[^ ]*,mq=on,vectors=6' "$TMP/dry" ||
    fail "run -n: q2's NIC lacks mq=on,vectors=6"
grep '^;   q1: qemu' "$TMP/dry" | grep -q 'queues=\|mq=on' && fail "run -n: q1 is multiqueue"

out="$TMP/run"
"$PVBENCH" run --accel tcg -o "$out" "$scn" >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
cat "$TMP/stdout" "$TMP/stderr"
[ $rc -eq 0 ] || fail "pvbench run exited $rc"
# the console's lines end in CR LF
said() { tr -d '\r' <"$out/logs/$1-console.log" | grep -q "interface under test: eth0, $2\$"; }
said q2 'driver virtio_net, .*, 2 queues' ||
    fail "q2: the agent does not report 2 queues on eth0"
said q1 'driver virtio_net, .*, 1 queue' ||
    fail "q1: the agent does not report 1 queue on eth0"
for c in q1 q2; do
    for w in tcp_tx tx4; do
        n=$(csv_values "$out/samples.csv" value "$c" $w throughput_mbit_s | grep -c .)
        [ "$n" -eq 2 ] || fail "$c $w: $n throughput samples, expected 2"
    done
    [ "$(tr -d '\r' <"$out/logs/$c-console.log" | grep -c ' tx4 .*streams=4 ')" -ge 2 ] ||
        fail "$c: the guest's jobs of tx4 did not run 4 streams"
done
ok "queues = 2 reaches the guest (2 receive queues) and measures; queues = 1 stays single"

sed 's/^vcpus = 2$/vcpus = 1/' "$scn" >"$TMP/bad.ini"
"$PVBENCH" run -n --accel tcg "$TMP/bad.ini" >"$TMP/bad" 2>&1
rc=$?
[ $rc -eq 2 ] || { cat "$TMP/bad"; fail "queues > vcpus: exit $rc, expected 2"; }
grep -q "queues = 2 is more than its vcpus = 1" "$TMP/bad" || fail "queues > vcpus: no reason"
ok "queues above vcpus refused before a boot"
