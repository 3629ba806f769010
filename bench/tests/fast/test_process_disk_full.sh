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
[ $rc -eq 3 ] || fail "exit $rc, expected 3"
grep -Eq "cannot write .*samples.csv.*(No space left|quota)" "$TMP/out" ||
    fail "no clear message about the full disk"
grep -q "rep [0-9]*: the samples could not be saved" "$TMP/out" ||
    fail "the failed job's reason does not say the samples could not be saved"
ok "the run stopped with exit 3 and said why"
[ -s "$out/samples.csv" ] || fail "no samples.csv left"
head -1 "$out/samples.csv" | grep -q '^config,' || fail "samples.csv damaged (header)"
tail -c 1 "$out/samples.csv" | od -An -c | grep -q '\\n' || fail "samples.csv ends mid-line"
n=$(csv_values "$out/samples.csv" value virtio-blk randread iops | wc -l)
[ "$n" -ge 1 ] || fail "no randread sample survived"
[ "$n" -lt 30 ] || fail "all 30 repetitions fit: the folder never filled"
ok "$n repetitions kept before the disk filled"
cp -r "$out" "$TMP/copy"
"$PVBENCH" report "$TMP/copy" >"$TMP/report" 2>&1
rrc=$?
cat "$TMP/report"
[ $rrc -eq 0 ] || [ $rrc -eq 4 ] || fail "pvbench report: exit $rrc"
grep -q "unreadable row" "$TMP/report" && fail "report found damaged rows"
ok "pvbench report reads the samples written before the disk filled"
assert_no_leftovers
