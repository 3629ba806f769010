# A net run through the process backend: each configuration's agent in a namespace of its
# own on a veth into the run's bridge, with the address its guest would have, against the
# host peer. Every workload measured, and the run's namespaces and links gone after.
. "$(dirname "$0")/lib.sh"
need_agent
need_net
scn=$(write_scenario net "rtl8139, virtio-net" "tcp_tx, tcp_rx, tcp_rr, udp_pps" \
    "repetitions = 1" "runtime = 0.3" "warmup = 0.1")
out="$TMP/run"
"$PVBENCH" run -o "$out" "$scn" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
[ $rc -eq 0 ] || fail "pvbench run exited $rc"
run_id=$(json_get "$out/run.json" run_id)
for d in rtl8139 virtio-net; do
    for wm in tcp_tx:throughput_mbit_s tcp_rx:throughput_mbit_s tcp_rr:transactions_s \
        udp_pps:pps; do
        v=$(csv_values "$out/samples.csv" value "$d" "${wm%%:*}" "${wm#*:}")
        awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "$d ${wm%%:*}: ${wm#*:} = '$v'"
    done
done
ok "every net workload measured on both configurations"
left=$({ ip -o link; ip netns; } | grep -E "pvb(-|[tbv])$run_id" || true)
[ -z "$left" ] || fail "the run's network is still there: $left"
ok "the run's namespaces and links are gone"
assert_no_leftovers
