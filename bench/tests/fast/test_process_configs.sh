# [config NAME] sections through the process backend: three configurations (two of one
# device model), each measured under its own name, and the table opens with what differs
# between them (only the keys that differ).
. "$(dirname "$0")/lib.sh"
need_agent
scn="$TMP/configs.ini"
cat >"$scn" <<'INI'
[scenario]
workloads = randread
repetitions = 2
runtime = 0.2
warmup = 0

[config vblk-native]
device = virtio-blk
aio = native
[config vblk-threads]
device = virtio-blk
[config ahci]
device = ahci
INI
"$PVBENCH" run -o "$TMP/run" "$scn" >"$TMP/out" 2>&1 || { cat "$TMP/out"; fail "run exited $?"; }
for c in vblk-native vblk-threads ahci; do
    [ -n "$(csv_values "$TMP/run/samples.csv" value "$c" randread iops)" ] ||
        fail "no samples of configuration $c"
done
sed -n '/^what differs/,/^$/p' "$TMP/out" >"$TMP/differs"
cat "$TMP/differs"
grep -Eq '^  vblk-native +device=virtio-blk +aio=native$' "$TMP/differs" ||
    fail "what differs: no line for vblk-native with its device and aio"
grep -Eq '^  ahci +device=ahci +aio=threads$' "$TMP/differs" || fail "what differs: ahci's line"
grep -q "cache=" "$TMP/differs" && fail "what differs lists a key that is the same everywhere"
grep -Eq '^  randread +vblk-threads ' "$TMP/out" || fail "the table has no row for vblk-threads"
grep -q '<tr><td>vblk-native</td><td>virtio-blk</td><td>native</td></tr>' "$TMP/run/report.html" ||
    fail "report.html has no what-differs table with vblk-native's device and aio"
ok "three configurations under their own names; what differs: device and aio only (terminal and report.html)"

# [workload NAME] runtime and warmup: each workload's jobs carry its own, a workload without
# them the scenario's. The agent logs each job line it ran.
cat >"$scn" <<'INI'
[scenario]
devices = virtio-blk
workloads = short, randread, long
repetitions = 1
runtime = 0.2
warmup = 0.1
warmup_jobs = 0

[workload short]
rw = randread
runtime = 0.3
warmup = 0
[workload long]
rw = read
runtime = 1.0
INI
"$PVBENCH" run -o "$TMP/rt" "$scn" >"$TMP/out" 2>&1 || { cat "$TMP/out"; fail "run exited $?"; }
log="$TMP/rt/logs/virtio-blk-console.log"
grep -E 'job [0-9]+: ' "$log"
grep -Eq 'job [0-9]+: short randread .* warmup=0ms runtime=300ms$' "$log" ||
    fail "short's job did not run 0.3 s with no warm-up"
grep -Eq 'job [0-9]+: long read .* warmup=100ms runtime=1000ms$' "$log" ||
    fail "long's job did not run 1.0 s with the scenario's warm-up"
grep -Eq 'job [0-9]+: randread .* warmup=100ms runtime=200ms$' "$log" ||
    fail "the preset randread did not keep the scenario's runtime and warmup"
for w in short long; do
    [ -n "$(csv_values "$TMP/rt/samples.csv" value virtio-blk "$w" iops)" ] ||
        fail "no samples of workload $w"
done
ok "[workload] runtime and warmup reach each job; the others keep the scenario's"
assert_no_leftovers
