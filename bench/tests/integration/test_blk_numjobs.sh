# numjobs in a real TCG guest: virtio-blk randread with 1 and 3 submitters on 2 vCPUs; the
# agent's console shows the job line it ran, both workloads measured, the run exits 0.
. "$(dirname "$0")/lib.sh"
need_guest
cat >"$TMP/nj.ini" <<'INI'
[scenario]
name = numjobs-test
devices = virtio-blk
vcpus = 2
workloads = one, three
repetitions = 2
runtime = 0.4
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
"$PVBENCH" run --accel tcg -o "$out" "$TMP/nj.ini" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
[ $rc -eq 0 ] || fail "pvbench run exited $rc"
for w in one three; do
    [ "$(csv_values "$out/summary.csv" n virtio-blk $w iops)" = 2 ] || fail "$w: not 2 samples"
    v=$(csv_values "$out/summary.csv" median virtio-blk $w iops)
    awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "$w: iops not positive: $v"
done
[ "$(grep -c ' three .*qd=2 numjobs=3 ' "$out/logs/virtio-blk-console.log")" -ge 2 ] ||
    fail "the guest's agent did not run 'three' with numjobs=3"
ok "numjobs = 3 in a real guest: carried, run by three submitters, measured"
