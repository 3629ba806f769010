#!/usr/bin/env bash
# make check-kvm: pvbench's KVM path, nested. scripts/kvm-l1 boots an L1 guest under TCG with
# an SVM CPU (where kvm_amd gives /dev/kvm), runs bench/tests/kvm/in_l1.sh in it (`pvbench
# run --accel kvm` on kvm.ini: ide, virtio-blk, virtio-net with vhost on) and this script
# checks what came back: accelerator kvm with the probe's time, nested, KVM exit metrics
# present and ide's exits per op above virtio-blk's, vhost on for virtio-net, nothing left
# inside L1 or on this host. Functional only: it asserts no performance figure (nested
# numbers never go into baselines). Skipped (77) only where TCG offers no SVM.
# Not named test_*.sh: make check's wildcard must not pick it up (it takes minutes).
. "$(dirname "$0")/../integration/lib.sh"
need_guest
command -v python3 >/dev/null || skip "python3 missing (the checks read run.json)"
L1="$ROOT/scripts/kvm-l1"
L1_OUT="$ROOT/build/kvm-l1"
res="$TMP/l1"

if ! why=$("$L1" svm 2>&1); then
    skip "${why##*: }"
fi
[ -x "$PVBENCH" ] || fail "no $PVBENCH (make all)"

t0=$(date +%s)
rc=0
"$L1" run --results "$res" --timeout 600 -- bash bench/tests/kvm/in_l1.sh || rc=$?
t1=$(date +%s)
echo "L1 round trip: $((t1 - t0)) s (kvm-l1 exit $rc)"
# CHECK_KVM_KEEP=DIR keeps what L1 wrote (run folder, console) for a look afterwards.
if [ -n "${CHECK_KVM_KEEP:-}" ]; then
    rm -rf "$CHECK_KVM_KEEP" && cp -r "$res" "$CHECK_KVM_KEEP" && echo "kept in $CHECK_KVM_KEEP"
fi
# The exit metrics as summary.csv has them, for the log.
grep -E '^config|exits_per_op' "$res/run/summary.csv" 2>/dev/null
if [ "$rc" -ne 0 ]; then
    tail -n 60 "$res/console.log" 2>/dev/null
    fail "pvbench run --accel kvm inside L1 exited $rc (L1 console above, run in $res/run)"
fi

# run.json and samples.csv: the facts, not the figures.
python3 - "$res/run" <<'PY' || fail "the run's files do not show the KVM path (above)"
import csv, json, sys
run = sys.argv[1]
j = json.load(open(run + "/run.json"))
bad = []
acc = j.get("accelerator", {})
probe = acc.get("probe", {})
if acc.get("name") != "kvm":
    bad.append("accelerator is %r, not kvm (%s)" % (acc.get("name"), acc.get("reason")))
if probe.get("result") != "ok" or not isinstance(probe.get("seconds"), (int, float)):
    bad.append("no probe time in run.json: %r" % probe)
if j.get("nested") is not True:
    bad.append("nested is %r: L1's CPU has the hypervisor bit" % j.get("nested"))
vhost = {c["device"]: c.get("vhost") for c in j.get("configs", [])}
if vhost.get("virtio-net") != "on":
    bad.append("virtio-net ran with vhost %r, not on" % vhost.get("virtio-net"))
status = {c["device"]: c.get("status") for c in j.get("configs", [])}
for dev, st in sorted(status.items()):
    if st != "ok":
        bad.append("%s: status %r" % (dev, st))
exits = {}
with open(run + "/samples.csv", newline="") as f:
    for r in csv.DictReader(f):
        if r["metric"] in ("exits_per_op", "io_exits_per_op", "mmio_exits_per_op",
                           "halt_exits_per_op"):
            exits.setdefault((r["device"], r["workload"], r["metric"]), float(r["value"]))
for dev, wl in (("ide", "randread"), ("virtio-blk", "randread"), ("virtio-net", "tcp_rr")):
    for m in ("exits_per_op", "io_exits_per_op", "mmio_exits_per_op", "halt_exits_per_op"):
        if (dev, wl, m) not in exits:
            bad.append("no %s for %s %s in samples.csv" % (m, dev, wl))
ide, vblk = exits.get(("ide", "randread", "exits_per_op")), \
    exits.get(("virtio-blk", "randread", "exits_per_op"))
if ide is not None and vblk is not None and not ide > vblk:
    bad.append("ide's exits per op (%.2f) not above virtio-blk's (%.2f)" % (ide, vblk))
print("accelerator %s, probe %.2f s, nested %s; exits/op: %s; virtio-net vhost %s" % (
    acc.get("name"), probe.get("seconds") or -1, j.get("nested"),
    ", ".join("%s %s %.2f" % (d, w, v) for (d, w, m), v in sorted(exits.items())
              if m == "exits_per_op"), vhost.get("virtio-net")))
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
ok "accelerator kvm with the probe's time, nested, exit metrics, ide above virtio-blk, vhost on"

# Inside L1: no QEMU or pvbench process, namespace, link or state file of the run.
[ -f "$res/leftovers.txt" ] || fail "in_l1.sh wrote no leftovers.txt"
[ ! -s "$res/leftovers.txt" ] || fail "left behind inside L1: $(head -5 "$res/leftovers.txt")"
sed 's/^/pvbench cleanup --dry-run in L1: /' "$res/cleanup.txt" 2>/dev/null
ok "nothing left behind inside L1"

# On this host: L1's scratch disk is gone and no process names this test's results folder.
left=$(find "$L1_OUT" -maxdepth 1 -name '.state-*.img' -newer "$res/cmd.sh" 2>/dev/null)
[ -z "$left" ] || fail "L1's scratch disk left on the host: $left"
for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    { mapfile -d '' args <"$p/cmdline"; } 2>/dev/null || continue
    case "${args[*]}" in
        *"$res"*) fail "process ${p#/proc/} still running: ${args[*]}" ;;
    esac
done
assert_no_leftovers
echo "check-kvm: $((t1 - t0)) s in L1"
