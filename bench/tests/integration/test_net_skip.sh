# A host that cannot build the test network (here: no CAP_NET_ADMIN) skips the network
# configurations with a reason, still measures the disk ones, and exits 4 (skipped).
. "$(dirname "$0")/lib.sh"
need_guest
command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
scn=$(write_scenario netskip "virtio-blk, rtl8139" "randread, tcp_rr" "repetitions = 1" \
    "runtime = 0.3" "warmup = 0.1" "disk_size = 32")
out="$TMP/run"
setpriv --inh-caps=-net_admin --bounding-set=-net_admin \
    "$PVBENCH" run --accel tcg -o "$out" "$scn" >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
cat "$TMP/stdout" "$TMP/stderr"
[ $rc -eq 4 ] || fail "pvbench run exited $rc, expected 4 (skipped)"
grep -q 'rtl8139: skipped: no CAP_NET_ADMIN' "$TMP/stderr" || fail "no reason on the terminal"
grep -q '"reason": *"skipped: no CAP_NET_ADMIN' "$out/run.json" || fail "no reason in run.json"
grep -q '"status": *"skipped"' "$out/run.json" || fail "rtl8139 not marked skipped"
[ -n "$(csv_values "$out/samples.csv" value virtio-blk randread iops)" ] ||
    fail "the disk configuration was not measured"
[ -z "$(csv_values "$out/samples.csv" value rtl8139 tcp_rr transactions_s)" ] ||
    fail "a skipped configuration has samples"
ok "network configuration skipped with its reason, disk measured, exit 4"
assert_no_leftovers
