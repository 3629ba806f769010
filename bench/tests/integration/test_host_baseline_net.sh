# The network half of the bare-host baseline (host_baseline = yes, issue 9) with a real
# guest under TCG: the agent runs as a host process in a second namespace of the run's test
# network (pvb-<id>-h, on a veth onto the bridge) against the same host peer, its jobs between
# the guest's, and every net device gets pct_of_host. Then: the host's own network unchanged;
# kill -9 of the harness during the host's jobs and `pvbench cleanup`; no agent binary:
# skipped with the reason.
. "$(dirname "$0")/lib.sh"
need_guest
[ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
command -v ip >/dev/null || skip "ip(8) missing (iproute2)"

# The host's network as text; links and namespaces of other pvbench runs (ids other than
# ours) come and go with other people's tests and are left out.
net_state() {
    { ip -o link; ip -o addr; ip route; ip -6 route; ip netns; } 2>&1 |
        sed -E 's/[0-9]+: ([^:@ ]+)/\1/' | grep -Ev "pvb(-|[tbv])[0-9a-f]{8}"
}
net_state >"$TMP/net-before"

# ---- 1. a run with the host baseline: samples, pct_of_host, report ----------------------------
scn=$(write_scenario hbnet "virtio-net" "tcp_tx, tcp_rr, udp_pps" "repetitions = 2" \
    "runtime = 0.5" "warmup = 0.2" "host_baseline = yes" "why = no")
out="$TMP/run"
"$PVBENCH" run --accel tcg -o "$out" "$scn" >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
cat "$TMP/stdout" "$TMP/stderr"
[ $rc -eq 0 ] || fail "pvbench run with host_baseline = yes exited $rc"
run_id=$(sed -n 's/.*"run_id": *"\([0-9a-f]*\)".*/\1/p' "$out/run.json")
[ -n "$run_id" ] || fail "no run id in run.json"

# every value of config host, workload $1, metric $2: exactly 2, each within [$3, $4]
check_host() {
    local vals n v
    vals=$(csv_values "$out/samples.csv" value host "$1" "$2")
    n=$(echo "$vals" | grep -c .)
    [ "$n" -eq 2 ] || fail "host $1 $2: $n samples, expected 2"
    for v in $vals; do
        awk -v v="$v" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v >= lo && v <= hi) }' ||
            fail "host $1 $2: value $v outside [$3, $4]"
    done
}
check_host tcp_tx throughput_mbit_s 10 1000000
check_host tcp_rr transactions_s 100 100000000
check_host tcp_rr lat_p50_us 0.1 100000
check_host udp_pps pps 100 1000000000
# no CPU numbers (the agent's /proc/stat is the whole host's), no loss ratio
[ -z "$(awk -F, '$1 == "host" && ($6 ~ /cpu/ || $6 == "loss_pct")' "$out/samples.csv")" ] ||
    fail "the host has CPU or loss samples"
awk -F, '$1 == "host" { print $4 }' "$out/samples.csv" | sort -u | grep -qx net ||
    fail "host samples are not of kind net"
ok "host samples: Mbit/s, transactions/s, p50 latency, packets/s (2 repetitions each)"
# The host's jobs go between the guest's: A host A host, workload by workload.
order=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                 $h["metric"] == "throughput_mbit_s" || $h["metric"] == "transactions_s" ||
                 $h["metric"] == "pps" {
                     printf "%s/%s/%s ", $h["workload"], $h["config"], $h["rep"] }' \
            "$out/samples.csv")
want="tcp_tx/virtio-net/1 tcp_tx/host/1 tcp_tx/virtio-net/2 tcp_tx/host/2"
want="$want tcp_rr/virtio-net/1 tcp_rr/host/1 tcp_rr/virtio-net/2 tcp_rr/host/2"
want="$want udp_pps/virtio-net/1 udp_pps/host/1 udp_pps/virtio-net/2 udp_pps/host/2 "
[ "$order" = "$want" ] || fail "host jobs not interleaved with the guest's: $order"
ok "the host's jobs ran between the guest's"

for m in "tcp_tx,throughput_mbit_s" "tcp_rr,transactions_s" "tcp_rr,lat_p50_us" "udp_pps,pps"; do
    grep -q "^virtio-net,virtio-net,net,$m,2," "$out/pct_of_host.csv" ||
        fail "pct_of_host.csv lacks virtio-net $m"
done
grep -q '"pct_of_host"' "$out/summary.json" || fail "summary.json has no pct_of_host"
grep -Eq '"status": *"ok"' <(sed -n '/"host_baseline"/,/}/p' "$out/run.json") ||
    fail "run.json: host baseline not ok"
grep -q "network: the agent in a namespace of its own" "$TMP/stdout" ||
    fail "the terminal lacks the network block of % of the host"
grep -Eq "tcp_tx +virtio-net +[0-9.e+]+% \[" "$TMP/stdout" || fail "no tcp_tx % of the host printed"
grep -q "as a host process in namespace pvb-$run_id-h" "$TMP/stderr" ||
    fail "the log does not name the host client's namespace"
grep -q "<td>tcp_tx</td><td>virtio-net</td><td>network throughput</td>" "$out/report.html" ||
    fail "report.html lacks the share of the host for tcp_tx"
[ -s "$out/logs/host-agent.log" ] || fail "no logs/host-agent.log"
grep -q "job 1000001: tcp_tx" "$out/logs/host-agent.log" || fail "the host agent's log lacks its first job"
ok "pct_of_host.csv, summary.json, run.json, terminal, report.html and the agent's log"

net_state >"$TMP/net-after"
diff "$TMP/net-before" "$TMP/net-after" || fail "the host's network changed (above)"
ip netns | grep -q "pvb-$run_id" && fail "a namespace of run $run_id is left"
ip -o link | grep -q "pvb[tbv]$run_id" && fail "a link of run $run_id is left"
ok "host network unchanged; namespaces pvb-$run_id and pvb-$run_id-h gone"
assert_no_leftovers

# ---- 2. kill -9 during the host's jobs, then pvbench cleanup ----------------------------------
scn=$(write_scenario hbk9 "virtio-net" "tcp_tx" "repetitions = 2" "runtime = 3" "warmup = 0" \
    "host_baseline = yes" "why = no")
"$PVBENCH" run --accel tcg -o "$TMP/k9" "$scn" >"$TMP/k9.out" 2>&1 &
harness=$!
reg=''
for _ in $(seq 1 900); do
    reg=$(ls "$PVBENCH_STATE_DIR"/*/registry 2>/dev/null | head -1)
    [ -n "$reg" ] && grep -q '^netns pvb-[0-9a-f]*-h$' "$reg" && grep -q 'ctl-host.sock' "$reg" &&
        break
    kill -0 $harness 2>/dev/null || break
    sleep 0.1
done
grep -q '^netns pvb-[0-9a-f]*-h$' "$reg" 2>/dev/null ||
    { kill -9 $harness; cat "$TMP/k9.out"; fail "the host baseline's namespace never came"; }
sleep 1.5 # the agent on the host is up and in a job
run_id=$(basename "$(dirname "$reg")")
procs=$(awk '$1 == "proc" { print $2 }' "$reg")
grep -q "^link pvbv${run_id}h\$" "$reg" || fail "the host client's veth is not registered"
ip netns | grep -q "pvb-$run_id-h" || fail "namespace pvb-$run_id-h not there during the run"
kill -9 $harness
wait $harness 2>/dev/null
for p in $procs; do
    for _ in $(seq 1 50); do [ -d "/proc/$p" ] || break; sleep 0.1; done
    [ -d "/proc/$p" ] && fail "process $p survived the harness's SIGKILL"
done
ok "the agent on the host and the peer died with the harness"
"$PVBENCH" cleanup || fail "pvbench cleanup failed"
left=$(ip -o link | grep "pvb[tbv]$run_id")
[ -z "$left" ] || fail "links left after cleanup: $left"
ip netns | grep -q "pvb-$run_id" && fail "a namespace of run $run_id left after cleanup"
ok "namespaces pvb-$run_id, pvb-$run_id-h and their links removed by pvbench cleanup"
assert_no_leftovers

# ---- 3. no agent binary on the host: the network half is skipped, with the reason -------------
scn=$(write_scenario hbskip "virtio-net" "tcp_tx" "repetitions = 1" "runtime = 0.3" \
    "warmup = 0" "host_baseline = yes" "why = no")
PVBENCH_AGENT=/nonexistent/pvbench-agent "$PVBENCH" run --accel tcg -o "$TMP/skip" "$scn" \
    >"$TMP/skip.out" 2>&1
rc=$?
cat "$TMP/skip.out"
[ $rc -eq 4 ] || fail "no agent for the host: exit $rc, expected 4 (skipped)"
sed -n '/"host_baseline"/,/}/p' "$TMP/skip/run.json" | grep -q '"skipped"' ||
    fail "run.json: host baseline not skipped"
grep -q "no agent binary to run on the host (/nonexistent/pvbench-agent" "$TMP/skip/run.json" ||
    fail "run.json lacks the reason"
[ -n "$(csv_values "$TMP/skip/samples.csv" value virtio-net tcp_tx throughput_mbit_s)" ] ||
    fail "the guest was not measured"
ok "no agent binary: the host's network half skipped with the reason, the guest measured"
assert_no_leftovers
