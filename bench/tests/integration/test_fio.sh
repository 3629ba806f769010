# engine = fio and the bare-host baseline (issue 9), with real guests under TCG:
#  1. one short job through engine=fio in a virtio-blk guest booted with initramfs-fio.img
#     (pvbench selftest, which runs the agent and fio alternately on the same disk);
#  2. engine=fio in an image without fio: the job fails with the reason, nothing is left;
#  3. the host baseline on a scratch file (pvbench selftest --host);
#  4. pvbench run with engine = fio and host_baseline = yes: the pct_of_host files, and the
#     host's jobs interleaved with the guest's.
. "$(dirname "$0")/lib.sh"

command -v fio >/dev/null || skip "fio missing on the host (scripts/setup installs it)"

# ---- 3 first: it needs no guest ------------------------------------------------------------
out="$TMP/host"
"$PVBENCH" selftest --host --reps 2 --runtime 0.3 --warmup 0.1 \
    --workloads randread_qd1,seqwrite -o "$out" >"$TMP/host.out" 2>&1
rc=$?
cat "$TMP/host.out"
[ $rc -eq 0 ] || fail "selftest --host exited $rc"
for wl in randread_qd1 seqwrite; do
    for m in iops throughput_mib_s lat_mean_us lat_p99_us; do
        vals=$(csv_values "$out/samples.csv" value host "$wl" "$m")
        [ "$(echo "$vals" | grep -c .)" -eq 2 ] || fail "host $wl $m: not 2 samples: $vals"
        for v in $vals; do
            awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "host $wl $m: $v not > 0"
        done
    done
done
grep -q "^  randread_qd1 *iops " "$TMP/host.out" || fail "host numbers not printed"
ok "host baseline on a scratch file: 2 workloads x 2 repetitions, every metric > 0"
assert_no_leftovers

need_guest
[ -r "$IMAGE/initramfs-fio.img" ] || skip "no fio guest image (make image-fio)"

# ---- 1. engine=fio in a guest ---------------------------------------------------------------
out="$TMP/selftest"
"$PVBENCH" selftest --accel tcg --reps 1 --runtime 0.5 --warmup 0.2 --workloads randread_qd1 \
    -o "$out" >"$TMP/st.out" 2>&1
rc=$?
cat "$TMP/st.out"
# 0: goals met, 1: a goal missed (noise of one short repetition); both measured
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "selftest exited $rc"
for engine in agent fio; do
    v=$(csv_values "$out/samples.csv" value "$engine" randread_qd1 iops)
    [ -n "$v" ] && awk -v v="$v" 'BEGIN { exit !(v > 10) }' || fail "$engine iops '$v'"
done
grep -q "engine=fio" "$out/logs/selftest-console.log" || fail "the agent never ran a fio job"
grep -q '^randread_qd1,lat_mean_us,1 +- 0.05,1,1,' "$out/selftest.csv" ||
    fail "selftest.csv lacks the QD1 latency verdict"
grep -q "agent/fio" "$TMP/st.out" || fail "no ratio table printed"
ok "engine=fio ran in the guest; agent/fio printed"
assert_no_leftovers

# ---- 2. engine=fio without fio in the image -------------------------------------------------
img="$TMP/nofio"
mkdir -p "$img"
ln -s "$IMAGE/vmlinux" "$img/vmlinux"
ln -s "$IMAGE/initramfs.img" "$img/initramfs-fio.img" # the default image: no fio in it
"$PVBENCH" selftest --accel tcg --reps 1 --runtime 0.3 --warmup 0 --workloads randread_qd1 \
    --image "$img" -o "$TMP/nofio-run" >"$TMP/nofio.out" 2>&1
rc=$?
cat "$TMP/nofio.out"
[ $rc -eq 3 ] || fail "selftest without fio in the image exited $rc, expected 3"
grep -q "no fio in this guest" "$TMP/nofio.out" || fail "the reason does not say fio is missing"
ok "engine=fio without fio in the image: the job fails with the reason"
assert_no_leftovers

# ---- 4. pvbench run with engine = fio and host_baseline = yes -------------------------------
scn=$(write_scenario fio "virtio-blk" "randread_qd1" "repetitions = 2" "runtime = 0.5" \
    "memory = 512" "engine = fio" "host_baseline = yes")
out="$TMP/run"
"$PVBENCH" run --accel tcg -o "$out" "$scn" >"$TMP/run.out" 2>&1
rc=$?
cat "$TMP/run.out"
[ $rc -eq 0 ] || fail "pvbench run with engine = fio exited $rc"
grep -q "engine=fio" "$out"/logs/virtio-blk-console.log || fail "the guest never ran fio"
for cfg in virtio-blk host; do
    n=$(csv_values "$out/samples.csv" value "$cfg" randread_qd1 iops | grep -c .)
    [ "$n" -eq 2 ] || fail "$cfg randread_qd1 iops: $n samples, expected 2"
done
[ -s "$out/pct_of_host.csv" ] || fail "no pct_of_host.csv"
grep -q "^virtio-blk,virtio-blk,blk,randread_qd1,iops,2," "$out/pct_of_host.csv" ||
    fail "pct_of_host.csv lacks virtio-blk randread_qd1 iops"
grep -q '"pct_of_host"' "$out/summary.json" || fail "summary.json has no pct_of_host"
# The host's jobs go between the guest's: its repetition 1 is measured before the guest's 2.
order=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                 $h["metric"] == "iops" { printf "%s/%s ", $h["config"], $h["rep"] }' \
            "$out/samples.csv")
[ "$order" = "virtio-blk/1 host/1 virtio-blk/2 host/2 " ] ||
    fail "host jobs not interleaved with the guest's: $order"
ok "pvbench run: engine = fio in the guest, host baseline, pct_of_host"
assert_no_leftovers
