# Disk full in the results folder, through the process backend: a small tmpfs as the run
# folder (-o). The run stops cleanly (exit 3, a clear message), the samples written before
# are intact and `pvbench report` reads them. The scratch disks live in $PVBENCH_STATE_DIR.
. "$(dirname "$0")/lib.sh"
need_agent
[ "$(id -u)" -eq 0 ] || skip "needs root (mounts a small tmpfs)"
mnt="$TMP/full"
mkdir -p "$mnt"
mount -t tmpfs -o size=48k,mode=0755 pvbench-test-full "$mnt" || skip "cannot mount a tmpfs"
trap 'umount "$mnt" 2>/dev/null; rm -rf "$TMP"' EXIT
# Room for run.json, scenario.ini and the logs, then samples.csv (~1.5 KiB a job, written
# twice each time: file.tmp, then renamed) fills it.
head -c 22k /dev/zero >"$mnt/ballast"
scn=$(write_scenario df "virtio-blk" "randread" "repetitions = 30" "runtime = 0.1" "warmup = 0")
out="$mnt/run"
timeout 120 "$PVBENCH" run -o "$out" "$scn" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
df -k "$mnt" | tail -1
check_disk_full_run "$rc" "$TMP/out" "$out"
assert_no_leftovers
