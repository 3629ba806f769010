# A user's fio job file as a workload (scenarios/fiojob.ini, randrw.fio): fio runs it in a
# real TCG guest on the device under test and its numbers are recorded; a job file that names
# a file of its own is refused with its own file:line before anything boots, and a .fio given
# where a scenario is expected says how to use it.
. "$(dirname "$0")/lib.sh"
need_guest
[ -f "$IMAGE/initramfs-fio.img" ] || skip "no fio image ($IMAGE/initramfs-fio.img: make image-fio)"

out="$TMP/run"
"$PVBENCH" run --accel tcg --set repetitions=2 --set runtime=0.5 --set warmup=0.2 \
    -o "$out" "$ROOT/scenarios/fiojob.ini" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
[ $rc -eq 0 ] || fail "fiojob.ini exited $rc"
vals=$(csv_values "$out/samples.csv" value virtio-blk randrw iops)
[ "$(echo "$vals" | grep -c .)" -eq 2 ] || fail "expected 2 iops samples of the job file: '$vals'"
for v in $vals; do
    awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "iops $v not > 0"
done
[ -n "$(csv_values "$out/samples.csv" value virtio-blk randrw lat_p99_us)" ] ||
    fail "no latency from fio's JSON"
ok "a fio job file ran in the guest: iops $(echo $vals)"

# A job file naming its own file: refused with the job file's line, exit 2, no run folder.
printf '[global]\nbs=4k\n\n[j]\nrw=randread\nfilename=/etc/passwd\n' >"$TMP/bad.fio"
printf '[scenario]\ndevices = virtio-blk\nengine = fio\nmemory = 512\n\n[workload w]\nfio_job = bad.fio\n' \
    >"$TMP/bad.ini"
"$PVBENCH" run --accel tcg -o "$TMP/bad-run" "$TMP/bad.ini" >"$TMP/bad.out" 2>&1
rc=$?
cat "$TMP/bad.out"
[ $rc -eq 2 ] || fail "a job file naming a file: exit $rc, expected 2"
grep -q "bad.fio:6: filename" "$TMP/bad.out" || fail "the refusal does not give bad.fio:6"
[ ! -e "$TMP/bad-run" ] || fail "a refused scenario left a run folder"
ok "a job file naming its own file refused with its line"

# The job file itself given as the scenario: the hint, exit 2.
"$PVBENCH" run -n "$ROOT/scenarios/randrw.fio" >"$TMP/fio.out" 2>&1
rc=$?
cat "$TMP/fio.out"
[ $rc -eq 2 ] || fail "run randrw.fio: exit $rc, expected 2"
grep -q "fio job file, not a scenario" "$TMP/fio.out" || fail "no hint for a .fio given as scenario"
ok "a .fio given as a scenario says how to use it"
assert_no_leftovers
