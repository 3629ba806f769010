# streams: TCP workloads over several connections in one job (the agent as a host process in
# its namespace, the real peer): the job line carries streams, the agent answers with that
# many, the peer's byte count is checked against the sum; host baseline and a guest's
# console say how many ran. streams where it means nothing is refused with its line.
. "$(dirname "$0")/lib.sh"
need_agent
need_net
cat >"$TMP/st.ini" <<'INI'
[scenario]
name = streams
devices = virtio-net
workloads = tx1, tx4, rx3, rr2
repetitions = 2
runtime = 0.3
warmup = 0.1
why = no

[workload tx1]
rw = tcp_tx

[workload tx4]
rw = tcp_tx
streams = 4

[workload rx3]
rw = tcp_rx
streams = 3

[workload rr2]
rw = tcp_rr
streams = 2
INI
out="$TMP/run"
"$PVBENCH" run -v -o "$out" "$TMP/st.ini" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
[ $rc -eq 0 ] || fail "pvbench run exited $rc"
for wm in tx1:throughput_mbit_s tx4:throughput_mbit_s rx3:throughput_mbit_s \
    rr2:transactions_s; do
    w=${wm%%:*} m=${wm#*:}
    [ "$(csv_values "$out/summary.csv" n virtio-net "$w" "$m")" = 2 ] || fail "$w: not 2 samples"
    v=$(csv_values "$out/summary.csv" median virtio-net "$w" "$m")
    awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "$w: $m not positive: $v"
done
log="$out/logs/virtio-net-console.log"
for ws in tx4:4 rx3:3 rr2:2; do
    [ "$(grep -c " ${ws%%:*} .*streams=${ws#*:}\b" "$log")" -ge 2 ] ||
        fail "the agent's jobs of ${ws%%:*} did not get streams=${ws#*:}"
done
grep ' tx1 ' "$log" | grep -q streams= && fail "a job of tx1 was given streams"
ok "streams = 4, 3, 2 ran through the job line, answered by that many connections"

for bad in "rw = udp_pps:udp_pps sends from one socket" "rw = randread:block: numjobs"; do
    cat >"$TMP/bad.ini" <<INI
[scenario]
devices = virtio-net, virtio-blk
workloads = w
[workload w]
${bad%%:*}
streams = 2
INI
    rm -rf "$TMP/bad"
    "$PVBENCH" run -o "$TMP/bad" "$TMP/bad.ini" >"$TMP/bad.out" 2>&1
    rc=$?
    cat "$TMP/bad.out"
    [ $rc -eq 2 ] || fail "streams with '${bad%%:*}' exited $rc, not 2"
    grep -qF "bad.ini:6: [workload w]: streams is for TCP workloads (${bad#*:})" "$TMP/bad.out" ||
        fail "no file:line message for '${bad%%:*}'"
    [ ! -e "$TMP/bad" ] || fail "a refused scenario left a run folder"
done
ok "streams on udp_pps or a block workload: file:line, exit 2, nothing left"
assert_no_leftovers
