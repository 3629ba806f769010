# Three virtio-blk configurations from one [config] section's matrix (aio = threads, native,
# io_uring) boot real TCG guests and measure; run -n shows each one's options and QEMU command
# line; every configuration has its own samples under its generated name.
. "$(dirname "$0")/lib.sh"
need_guest
scn="$TMP/configs.ini"
cat >"$scn" <<'INI'
[scenario]
name = test
workloads = randread
repetitions = 2
runtime = 0.5
warmup = 0.2
disk_size = 64
warmup_jobs = 0
why = no
reference = vblk-aio_threads

[config vblk]
device = virtio-blk
matrix = aio: threads native io_uring
INI
names="vblk-aio_threads vblk-aio_native vblk-aio_io_uring"

"$PVBENCH" run -n --accel tcg "$scn" >"$TMP/dry" 2>&1 || { cat "$TMP/dry"; fail "run -n"; }
for aio in threads native io_uring; do
    grep -q "^;   vblk-aio_$aio: \*device=virtio-blk machine=pc .* \*aio=$aio " "$TMP/dry" ||
        fail "run -n lacks the resolved options of vblk-aio_$aio"
done
grep -q '^;   vblk-aio_native: qemu-system-x86_64 .*-drive file=[^ ]*,cache=none,aio=native ' "$TMP/dry" ||
    fail "run -n lacks the QEMU command line with aio=native"
grep -q '^;   vblk-aio_threads: .*id=dut,cache=none -device' "$TMP/dry" ||
    fail "aio=threads (QEMU's default) should not be spelled out"
ok "run -n prints every configuration's options and QEMU command line"

out="$TMP/run"
"$PVBENCH" run -v --accel tcg -o "$out" "$scn" >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
cat "$TMP/stdout"
grep -v '^\[debug\]' "$TMP/stderr" || true
[ $rc -eq 0 ] || fail "pvbench run exited $rc"
for c in $names; do
    vals=$(csv_values "$out/samples.csv" value "$c" randread iops)
    [ "$(echo "$vals" | grep -c .)" -eq 2 ] || fail "$c: expected 2 randread iops samples"
    for v in $vals; do
        awk -v v="$v" 'BEGIN { exit !(v > 50) }' || fail "$c: iops $v implausible"
    done
    dev=$(awk -F, -v c="$c" 'NR > 1 && $1 == c { print $2; exit }' "$out/samples.csv")
    [ "$dev" = virtio-blk ] || fail "$c: device column '$dev'"
    boot=$(csv_values "$out/samples.csv" value "$c" boot boot_to_ready_s)
    echo "boot_to_ready_s $c: $boot"
done
ok "three configurations of one device measured under their own names"
# -v logs each guest's full QEMU command line as it starts
for aio in io_uring native; do
    grep -q "^pvbench: debug: qemu: [^ ]*qemu-system-x86_64 .*-drive file=[^ ]*,.*aio=$aio" \
        "$TMP/stderr" || fail "-v shows no QEMU command line with aio=$aio"
done
grep -q 'vblk-aio_io_uring: \*device=virtio-blk' "$out/run.json" ||
    fail "run.json's resolved scenario lacks the configurations"
ok "guests started with their options; run.json has them"
assert_no_leftovers
