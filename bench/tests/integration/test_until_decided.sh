# pvbench run --until-decided on real TCG guests: a virtio-blk disk against its twin throttled
# in QEMU (the configuration's own disk_iops_limit), booted interleaved in one run. Three
# planned boots cannot reach the first look's alpha (0.005); a round of four more boots each
# can: DIFFERENT, worse, exit 1, with the verdict table and RUN/verdict/compare.json.
. "$(dirname "$0")/lib.sh"
need_guest
scn="$TMP/ud.ini"
cat >"$scn" <<'INI'
[scenario]
name = ud
workloads = randread
repetitions = 3
boots = 3
runtime = 0.5
warmup = 0.2
warmup_jobs = 0
disk_size = 64
why = no
reference = full

[config full]
device = virtio-blk

[config slow]
device = virtio-blk
disk_iops_limit = 300
INI
"$PVBENCH" run --accel tcg --backend qemu --until-decided --budget 5m --metrics iops \
    --threshold 20 -o "$TMP/run" "$scn" >"$TMP/out" 2>&1
rc=$?
cat "$TMP/out"
[ $rc -eq 1 ] || fail "a throttled twin: exit $rc, expected 1"
grep -q -- "--until-decided: round 1, 4 more boots of each of 2 configurations" "$TMP/out" ||
    fail "no round of boots was added"
grep -Eq '^slow +randread +iops .*DIFFERENT, worse' "$TMP/out" || fail "no DIFFERENT, worse row"
[ "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["exit_code"])' \
    "$TMP/run/verdict/compare.json")" = 1 ] ||
    fail "verdict/compare.json's exit code is not 1"
boots=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["config"] == "slow" && $h["metric"] == "iops" { print $h["boot"] }' "$TMP/run/samples.csv" |
    sort -u | wc -l)
[ "$boots" -eq 7 ] || fail "slow was measured in $boots boots, expected 3 + 4"
grep -q "throttling.iops-total=300" "$TMP/run/logs/slow-qemu.log" "$TMP/run/run.json" ||
    fail "slow's QEMU had no throttle"
ok "throttled twin: DIFFERENT, worse after 7 boots a side (exit 1)"
