# A custom `[workload tx4]` with rw = tcp_tx costs CPU per Mbit, as the preset tcp_tx does:
# the live table says so, and so do the table, report and compare chart made later from the
# run folder on disk (the workload's rw read from run.json's scenario, not its name looked
# up among the presets), in Spanish too.
. "$(dirname "$0")/lib.sh"
need_agent
need_net
scn=$(write_scenario custom "rtl8139, virtio-net" "tx4" "repetitions = 1" "runtime = 0.3" \
    "warmup = 0.1")
printf '\n[workload tx4]\nrw = tcp_tx\n' >>"$scn"
out="$TMP/run"
"$PVBENCH" run -o "$out" "$scn" >"$TMP/live" 2>&1 || { cat "$TMP/live"; fail "pvbench run"; }
cat "$TMP/live"
heading='^host CPU per Mbit (host_cpu_us_per_op)$'
grep -q "$heading" "$TMP/live" || fail "the live table does not say per Mbit"
ok "live: host CPU per Mbit"

"$PVBENCH" report "$out" >"$TMP/disk" 2>&1 || { cat "$TMP/disk"; fail "pvbench report"; }
cat "$TMP/disk"
grep -q "$heading" "$TMP/disk" || fail "the table from disk does not say per Mbit"
! grep -q "per operation" "$TMP/disk" || fail "the table from disk says per operation"
grep -q 'host CPU per Mbit' "$out/report.html" || fail "report.html does not say per Mbit"
! grep -q 'host CPU per operation' "$out/report.html" "$out/report.md" ||
    fail "the report says per operation"
ok "from disk: the table and the report say host CPU per Mbit"

"$PVBENCH" report -q --lang es "$out" >"$TMP/es" 2>&1 || { cat "$TMP/es"; fail "report --lang es"; }
grep -q 'CPU del anfitrión por Mbit' "$out/report.html" || fail "the Spanish report lacks por Mbit"
ok "--lang es: CPU del anfitrión por Mbit"

( cd "$TMP" && "$PVBENCH" compare "$out" >"$TMP/compare" 2>&1 )
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 5 ] || { cat "$TMP/compare"; fail "compare RUN exited $rc"; }
dat=$(find "$TMP" -name compare.dat | head -1)
[ -n "$dat" ] || { cat "$TMP/compare"; fail "compare wrote no compare.dat"; }
grep -q '"virtio-net tx4: host CPU per Mbit"' "$dat" ||
    { cat "$dat"; fail "the compare chart does not say per Mbit"; }
ok "compare RUN: the chart's row says host CPU per Mbit"
assert_no_leftovers
