# numjobs: a block workload with several submitters in the guest (the agent as a host process
# here): the job line carries numjobs, the agent answers with that many, throughput summed;
# the same workload on a NIC is refused with its line before anything runs.
. "$(dirname "$0")/lib.sh"
need_agent
cat >"$TMP/nj.ini" <<'INI'
[scenario]
name = numjobs
devices = virtio-blk
workloads = one, three
repetitions = 2
runtime = 0.3
warmup = 0.1
why = no

[workload one]
rw = randread
iodepth = 2

[workload three]
rw = randread
iodepth = 2
numjobs = 3
INI
out="$TMP/run"
"$PVBENCH" run -v -o "$out" "$TMP/nj.ini" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
[ $rc -eq 0 ] || fail "pvbench run exited $rc"
for w in one three; do
    [ "$(csv_values "$out/summary.csv" n virtio-blk $w iops)" = 2 ] || fail "$w: not 2 samples"
    v=$(csv_values "$out/summary.csv" median virtio-blk $w iops)
    awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "$w: iops not positive: $v"
done
# the agent's console line of each job of "three" (the job line it parsed)
[ "$(grep -c ' three .*qd=2 numjobs=3 ' "$out/logs/virtio-blk-console.log")" -ge 2 ] ||
    fail "the agent's jobs of 'three' did not get numjobs=3"
grep ' one .*qd=2' "$out/logs/virtio-blk-console.log" | grep -q numjobs &&
    fail "a job of 'one' was given numjobs"
ok "numjobs = 3 ran through the job line and was answered by three submitters"

cat >"$TMP/bad.ini" <<'INI'
[scenario]
devices = virtio-net
workloads = w
[workload w]
rw = tcp_tx
numjobs = 2
INI
"$PVBENCH" run -o "$TMP/bad" "$TMP/bad.ini" >"$TMP/bad.out" 2>&1
rc=$?
cat "$TMP/bad.out"
[ $rc -eq 2 ] || fail "numjobs on a net workload exited $rc, not 2"
grep -q "bad.ini:6: \[workload w\]: numjobs is for block workloads" "$TMP/bad.out" ||
    fail "no file:line message"
[ ! -e "$TMP/bad" ] || fail "a refused scenario left a run folder"
ok "numjobs on a network workload: file:line, exit 2, nothing left"
