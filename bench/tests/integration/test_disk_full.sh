# Disk full in the results folder: a small tmpfs as the run folder (-o). The run stops
# cleanly (exit 3, a clear message), and the samples written before are intact and
# readable by `pvbench report`. The scratch disks live in $PVBENCH_STATE_DIR, not here.
. "$(dirname "$0")/lib.sh"
need_guest
mnt="$TMP/full"
mkdir -p "$mnt"
mount -t tmpfs -o size=48k,mode=0755 pvbench-test-full "$mnt" || skip "cannot mount a tmpfs"
trap 'umount "$mnt" 2>/dev/null; rm -rf "$TMP"' EXIT
# Fill it up to a little room: run.json, scenario.ini and a log need a few KiB; samples.csv
# grows by ~1.5 KiB per job and is written twice (file.tmp, then renamed) each time.
head -c 22k /dev/zero >"$mnt/ballast"
scn=$(write_scenario df "virtio-blk" "randread" "repetitions = 30" "runtime = 0.3" "warmup = 0.1")
out="$mnt/run"
timeout 600 "$PVBENCH" run --accel tcg -o "$out" "$scn" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
df -k "$mnt" | tail -1
check_disk_full_run "$rc" "$TMP/out" "$out"
assert_no_leftovers
