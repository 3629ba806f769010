# Boot rtl8139 and virtio-net guests under TCG, run every network workload against the
# host peer in the run's own namespace, check every metric, the driver that bound, and
# that the host's own network (links, addresses, routes, namespaces) is the same after.
. "$(dirname "$0")/lib.sh"
need_guest
[ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
command -v ip >/dev/null || skip "ip(8) missing (iproute2)"

# The host's network as text; links and namespaces of other pvbench runs (ids other
# than ours) come and go with other people's tests and are left out.
net_state() {
    local mine=${1:-none}
    { ip -o link; ip -o addr; ip route; ip -6 route; ip netns; } 2>&1 |
        sed -E 's/[0-9]+: ([^:@ ]+)/\1/' |
        grep -Ev "pvb(-|[tbv])[0-9a-f]{8}" ; ip -o link | grep -E "pvb(-|[tbv])$mine" || true
}
net_state >"$TMP/net-before"

scn=$(write_scenario net "rtl8139, virtio-net" "tcp_tx, tcp_rx, tcp_rr, udp_pps" \
    "runtime = 0.5" "warmup = 0.2" "repetitions = 2")
out="$TMP/run"
"$PVBENCH" run --accel tcg -o "$out" "$scn" >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
cat "$TMP/stdout" "$TMP/stderr"
[ $rc -eq 0 ] || fail "pvbench run exited $rc"
run_id=$(sed -n 's/.*"run_id": *"\([0-9a-f]*\)".*/\1/p' "$out/run.json")
[ -n "$run_id" ] || fail "no run id in run.json"

# Every value of metric $3 for device $1, workload $2: exactly 2, each within [$4, $5].
check_metric() {
    local vals n v
    vals=$(csv_values "$out/samples.csv" value "$1" "$2" "$3")
    n=$(echo "$vals" | grep -c .)
    [ "$n" -eq 2 ] || fail "$1 $2 $3: $n samples, expected 2"
    for v in $vals; do
        awk -v v="$v" -v lo="$4" -v hi="$5" 'BEGIN { exit !(v >= lo && v <= hi) }' ||
            fail "$1 $2 $3: value $v outside [$4, $5]"
    done
}
common="guest_cpu_pct guest_sys_pct guest_softirq_pct guest_cpu_us_per_op irqs_per_op host_cpu_us_per_op"
for dev in rtl8139 virtio-net; do
    for wl in tcp_tx tcp_rx; do
        check_metric "$dev" "$wl" throughput_mbit_s 1 100000
        check_metric "$dev" "$wl" host_cpu_us_per_mbit 0.001 1000000
    done
    check_metric "$dev" tcp_rr transactions_s 10 10000000
    for m in lat_mean_us lat_p50_us lat_p90_us lat_p99_us lat_p999_us lat_max_us; do
        check_metric "$dev" tcp_rr "$m" 1 10000000
    done
    check_metric "$dev" udp_pps pps 10 100000000
    check_metric "$dev" udp_pps loss_pct 0 100
    for wl in tcp_tx tcp_rx tcp_rr udp_pps; do
        for m in $common; do
            lo=0.0001; case $m in guest_softirq_pct|guest_sys_pct|irqs_per_op) lo=0 ;; esac
            check_metric "$dev" "$wl" "$m" "$lo" 1000000
        done
    done
    # plausibility: p50 <= p99 <= p99.9, and one transaction at a time: tps x mean ~ 1 s
    p50=$(csv_values "$out/summary.csv" median "$dev" tcp_rr lat_p50_us)
    p99=$(csv_values "$out/summary.csv" median "$dev" tcp_rr lat_p99_us)
    p999=$(csv_values "$out/summary.csv" median "$dev" tcp_rr lat_p999_us)
    awk -v a="$p50" -v b="$p99" -v c="$p999" 'BEGIN { exit !(a <= b && b <= c) }' ||
        fail "$dev tcp_rr percentiles out of order: $p50 $p99 $p999"
    awk -F, -v d="$dev" '
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        $c["config"] == d && $c["workload"] == "tcp_rr" && $c["metric"] == "transactions_s" {
            t[$c["rep"]] = $c["value"] }
        $c["config"] == d && $c["workload"] == "tcp_rr" && $c["metric"] == "lat_mean_us" {
            m[$c["rep"]] = $c["value"] }
        END { for (r in t) { x = t[r] * m[r] / 1e6; if (!(x > 0.5 && x < 1.001)) exit 1 } }
    ' "$out/samples.csv" || fail "$dev tcp_rr: transactions/s and mean latency disagree"
    # no block metric leaks into network rows
    [ -z "$(csv_values "$out/samples.csv" value "$dev" tcp_tx throughput_mib_s)" ] ||
        fail "$dev tcp_tx has a throughput_mib_s sample"
done
ok "every network metric present and plausible for rtl8139 and virtio-net"

grep -Eq '"guest_driver": *"8139(cp|too)"' "$out/run.json" || fail "rtl8139 guest driver not recorded"
grep -q '"guest_driver": *"virtio_net"' "$out/run.json" || fail "virtio-net guest driver not virtio_net"
grep -Eq '"vhost": *"(on|off)"' "$out/run.json" || fail "vhost not recorded"
ok "drivers ($(grep -Eo '"guest_driver": *"8139[a-z]*"' "$out/run.json" | grep -Eo '8139[a-z]+')," \
   "virtio_net) and vhost recorded"
grep -q 'x vs rtl8139' "$TMP/stdout" || fail "terminal table lacks the ratio against rtl8139"

net_state "$run_id" >"$TMP/net-after"
diff "$TMP/net-before" "$TMP/net-after" || fail "the host's network changed (above)"
ip netns | grep -q "pvb-$run_id" && fail "namespace pvb-$run_id left behind"
ok "host network unchanged: links, addresses, routes, namespaces"
assert_no_leftovers
