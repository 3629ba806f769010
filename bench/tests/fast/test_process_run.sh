# A normal disk run through the process backend: every file of the run folder is there and
# parses, every cell is measured once, run.json says what ran (backend process, no
# accelerator, device models as labels), and nothing is left behind.
. "$(dirname "$0")/lib.sh"
need_agent
scn=$(write_scenario run "virtio-blk, ide" "randread, seqwrite" "repetitions = 2" \
    "runtime = 0.3" "warmup = 0.1")
out="$TMP/run"
"$PVBENCH" run -o "$out" "$scn" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
[ $rc -eq 0 ] || fail "pvbench run exited $rc"
for f in run.json samples.csv summary.csv summary.json scenario.ini report.md; do
    [ -s "$out/$f" ] || fail "no $f in the run folder"
done
for f in run.json summary.json; do
    python3 -m json.tool "$out/$f" >/dev/null || fail "$f does not parse"
done
[ "$(json_get "$out/run.json" format)" = pvbench-run ] || fail "run.json format"
[ "$(json_get "$out/run.json" backend)" = process ] || fail "run.json backend is not process"
[ "$(json_get "$out/run.json" accelerator name)" = none ] || fail "accelerator is not none"
json_get "$out/run.json" backend_info | grep -q "labels only" ||
    fail "run.json does not say the device models are labels only"
grep -q "labels only" "$TMP/out" || fail "the run output does not say the models are labels"
for i in 0 1; do
    [ "$(json_get "$out/run.json" configs $i status)" = ok ] || fail "config $i not ok"
done
[ "$(json_get "$out/summary.json" format)" = pvbench-summary ] || fail "summary.json format"
head -1 "$out/samples.csv" | grep -q '^config,' || fail "samples.csv header"
head -1 "$out/summary.csv" | grep -q '^config,' || fail "summary.csv header"
cells=$(awk -F, '$6 == "iops" { print $1, $5, $8 }' "$out/samples.csv" | sort)
expect=$(for d in virtio-blk ide; do for w in randread seqwrite; do for r in 1 2; do
    echo "$d $w $r"; done; done; done | sort)
[ "$cells" = "$expect" ] || fail "cells differ from the scenario's: $cells"
for d in virtio-blk ide; do
    v=$(csv_values "$out/samples.csv" value "$d" randread iops | head -1)
    awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "$d randread iops not positive: $v"
    [ "$(csv_values "$out/summary.csv" n "$d" randread iops)" = 2 ] || fail "$d: summary n != 2"
    [ -s "$out/logs/$d-console.log" ] || fail "no console log (the agent's output) for $d"
done
ok "a disk run through the process backend: folder complete, every cell once"
# what chooses each device, as a user writes it: libvirt's element (no QEMU command line:
# the process backend runs no QEMU)
[ "$(json_get "$out/run.json" configs 0 libvirt_dut)" = "<target dev='vda' bus='virtio'/>" ] ||
    fail "run.json: virtio-blk's libvirt_dut"
[ "$(json_get "$out/run.json" configs 1 libvirt_dut)" = "<target dev='hda' bus='ide'/>" ] ||
    fail "run.json: ide's libvirt_dut"
python3 -c 'import json,sys; sys.exit("qemu_command" in json.load(open(sys.argv[1]))["configs"][0])' \
    "$out/run.json" || fail "run.json gives a QEMU command line for the process backend"
ok "run.json: each configuration's libvirt element"

# --json: stdout is one JSON document (summary.json, the run folder, the exit code) and
# nothing else; the table and the log lines go to stderr, -v's lines too.
out2="$TMP/run-json"
"$PVBENCH" run -v --json -o "$out2" "$scn" >"$TMP/json.out" 2>"$TMP/json.err"
rc=$?
cat "$TMP/json.err"
[ $rc -eq 0 ] || fail "pvbench run --json exited $rc"
python3 - "$TMP/json.out" "$out2" <<'PY' || fail "--json: stdout is not the run's summary"
import json, sys
doc = json.load(open(sys.argv[1]))  # the whole of stdout: anything else fails to parse
assert doc["format"] == "pvbench-summary", doc.get("format")
assert doc["run_dir"] == sys.argv[2], doc["run_dir"]
assert doc["exit_status"] == 0, doc["exit_status"]
on_disk = json.load(open(sys.argv[2] + "/summary.json"))
assert doc["configs"] == on_disk["configs"], "stdout and summary.json differ"
iops = [m for c in doc["configs"] if c["config"] == "virtio-blk" for w in c["workloads"]
        if w["workload"] == "randread" for m in w["metrics"] if m["metric"] == "iops"]
assert len(iops) == 1 and iops[0]["n"] == 2 and iops[0]["median"] > 0, iops
PY
grep -q "^results: $out2" "$TMP/json.err" || fail "--json: the human lines are not on stderr"
"$PVBENCH" run --json "$scn" "$scn" >"$TMP/json2.out" 2>&1
[ $? -eq 2 ] || fail "--json with two scenarios is not a usage error"
ok "run --json: stdout holds the summary alone, the human output is on stderr"
# -v: each agent's command line as it starts (the process backend's QEMU command line).
[ "$(grep -c "^pvbench: debug: process: [^ ]*pvbench-agent [^ ]*sock [^ ]*disk" \
    "$TMP/json.err")" -ge 2 ] || fail "-v does not show each agent's command line"
ok "run -v: each agent's command line"
assert_no_leftovers
