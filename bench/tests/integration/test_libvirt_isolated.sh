# A host that shares nothing with the harness but a libvirt URI: a libvirtd in its own mount,
# pid and network namespaces (scripts/isolated-libvirtd), reached over qemu+tcp on 127.0.0.2
# (an address of the loopback that pvbench does not take for this machine). Checked:
# it cannot open a harness path; `pvbench list --connect`; a disk configuration whose agent
# channel and console go through libvirt streams (the console lands in the run's logs/), and
# two NIC models measured against one peer guest on that host (its network's bridge and taps
# in the daemon's namespace, never in the machine's; run.json labels them);
# run.json's host facts; libvirtd SIGKILLed in the middle of a job and started again: the job
# runs again on a fresh guest after reconnecting (a disk, and a NIC with a fresh peer guest);
# SIGKILLed and left dead: the host fails
# alone (exit 3) with its reason, and `pvbench cleanup` removes what was left once it is back;
# a second isolated daemon (127.0.0.3, its own hostname and host UUID) as a second host: the
# two measured in parallel (wall time against the two alone, for plausibility, printed), and
# one daemon reached twice detected as one machine and measured in turn; the same disk through
# qemu+ssh (Debian's sshd unpacked into build/sshd by `isolated-libvirtd fetch-sshd`, run in
# the namespace, key-only, command= restricted; skipped with a note if it cannot be had), the
# harness user's ~/.ssh untouched; at the end no pvb- domain, pool or volume (virsh) and no QEMU or pool folder (nsenter).
# Only the daemon this test started is stopped, by its pid; the machine's libvirtd is never
# touched.
. "$(dirname "$0")/lib.sh"
need_guest
for b in unshare nsenter libvirtd virtlogd virsh bc; do
    command -v "$b" >/dev/null || skip "$b missing"
done
command -v python3 >/dev/null || skip "python3 missing (reads run.json)"
ISO="$ROOT/scripts/isolated-libvirtd"
D="$TMP/iso"
D2="$TMP/iso2"
trap '"$ISO" stop "$D" >/dev/null 2>&1; "$ISO" stop "$D2" >/dev/null 2>&1; rm -rf "$TMP"' EXIT
json() { python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

# qemu+ssh: an sshd of Debian's, unpacked once into build/sshd (not installed).
SSHD_ROOT="$ROOT/build/sshd"
"$ISO" fetch-sshd "$SSHD_ROOT" >"$TMP/fetch-sshd.log" 2>&1 || SSHD_ROOT=''
ssh_before=$(ls -la ~/.ssh 2>&1 | md5sum)
read -r URI INIT < <(ISOLATED_LIBVIRTD_SSHD=$SSHD_ROOT ISOLATED_LIBVIRTD_ADDR=127.0.0.2 "$ISO" start "$D") || fail "the isolated libvirtd did not start"
[ -n "$INIT" ] && kill -0 "$INIT" || fail "no namespace init pid"
ok "isolated libvirtd: $URI, namespace init pid $INIT"

# 1. A harness path is invisible on that host.
cp "$IMAGE/vmlinux" "$TMP/vmlinux-harness"
cat >"$TMP/pathcheck.xml" <<EOF
<domain type='qemu'><name>pvb-pathcheck</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type><kernel>$TMP/vmlinux-harness</kernel></os>
<devices><serial type='pty'><target port='0'/></serial></devices></domain>
EOF
if virsh -c "$URI" create "$TMP/pathcheck.xml" >"$TMP/pathcheck.out" 2>&1; then
    virsh -c "$URI" destroy pvb-pathcheck >/dev/null 2>&1
    fail "the isolated daemon booted a harness-side kernel: it is not isolated"
fi
grep -q "No such file" "$TMP/pathcheck.out" || { cat "$TMP/pathcheck.out"; fail "path check: $(cat "$TMP/pathcheck.out")"; }
ok "a domain booting harness path $TMP/vmlinux-harness fails there: No such file"

# 2. What the host offers.
"$PVBENCH" list --connect "$URI" >"$TMP/list.out" 2>&1 || { cat "$TMP/list.out"; fail "list --connect failed"; }
cat "$TMP/list.out"
grep -q "^accelerator: " "$TMP/list.out" && grep -qE "^  virtio-blk +virtio-blk-pci +yes$" "$TMP/list.out" ||
    fail "list --connect: no accelerator line or virtio-blk not offered"
[ -z "$(virsh -c "$URI" list --all --name | grep pvb-)" ] || fail "list --connect left its probe guest"
ok "list --connect: accelerator, machine types and device models of that host's QEMU"

# 3. A disk and two NICs through qemu+tcp. While it runs: the peer guest's bridge is in the
# daemon's network namespace, never in this machine's.
scn=$(write_scenario iso "virtio-blk,virtio-net,e1000" "randread,tcp_rr" "repetitions = 2" \
    "runtime = 0.3" "warmup = 0.1" "disk_size = 16" "boot_timeout = 120")
"$PVBENCH" run --accel tcg --backend libvirt --connect "$URI" -o "$TMP/r1" "$scn" >"$TMP/r1.log" 2>&1 &
pid=$!
seen=0
while kill -0 "$pid" 2>/dev/null; do
    ip -o link | grep -q pvbn && { kill "$pid"; fail "a bridge of the peer's network is in this machine's namespace"; }
    nsenter -t "$INIT" -n ip -o link | grep -q "pvbn.*UP" && seen=1
    sleep 0.5
done
wait "$pid"
rc=$?
cat "$TMP/r1.log"
[ $rc -eq 0 ] || [ $rc -eq 4 ] || fail "run 1 exited $rc"
[ "$(csv_values "$TMP/r1/samples.csv" value virtio-blk randread iops | wc -l)" -eq 2 ] ||
    fail "virtio-blk: not 2 samples through the stream"
grep -q "READY sent" "$TMP/r1/logs/virtio-blk-console.log" ||
    fail "the console did not come through its stream into logs/"
[ $seen = 1 ] || fail "no bridge of the peer's network seen in the daemon's namespace"
for n in virtio-net e1000; do
    [ "$(csv_values "$TMP/r1/samples.csv" value $n tcp_rr transactions_s | wc -l)" -eq 2 ] ||
        fail "$n: not 2 tcp_rr samples against the peer guest"
    case "$(json "$TMP/r1/run.json" "[c['net_peer'] for c in d['configs'] if c['device'] == '$n'][0]")" in
        "guest peer@127.0.0.2, virtio-net, network pvb-"*) ;;
        *) fail "$n: run.json net_peer does not name the peer guest" ;;
    esac
done
[ "$(grep -c "peer guest at 198.51.100.1" "$TMP/r1.log")" -eq 1 ] || fail "not one peer guest for the two NICs"
[ "$(json "$TMP/r1/run.json" "d['hosts'][0]['net_peer']['boot_s'] > 0 and d['hosts'][0]['net_peer']['cpu_s'] > 0")" = True ] ||
    fail "run.json hosts[0].net_peer: no boot time or CPU seconds of the peer guest"
grep -q "peer guest: serving the network peer at 198.51.100.1" "$TMP/r1/logs/peer@127.0.0.2-console.log" ||
    fail "the peer guest's console (through its stream) does not say it served"
[ -z "$(virsh -c "$URI" net-list --all --name | grep pvb-)" ] || fail "the peer's network is left"
grep -q "measured against a peer guest on their own host" "$TMP/r1/report.md" ||
    fail "report.md does not say the NICs met a peer guest"
nsenter -t "$INIT" -n ip -o link | grep -q pvbn && fail "the peer network's bridge is left in the daemon's namespace"
json "$TMP/r1/run.json" "d['hosts'][0]['facts']" >"$TMP/facts"
cat "$TMP/facts"
[ "$(json "$TMP/r1/run.json" "d['hosts'][0]['facts']['host_cpu_source'] in ('virDomainGetCPUStats', 'virDomainGetInfo cpuTime')")" = True ] &&
    [ "$(json "$TMP/r1/run.json" "d['hosts'][0]['facts']['cpus'] > 0 and bool(d['hosts'][0]['facts']['uuid'])")" = True ] ||
    fail "run.json hosts[0].facts: no CPU source, CPU count or host UUID"
ok "virtio-blk through libvirt streams; virtio-net and e1000 against one peer guest on that host; host facts in run.json"

# 3b. Two hosts: a second isolated daemon, measured in parallel with the first.
read -r URI2 INIT2 < <(ISOLATED_LIBVIRTD_ADDR=127.0.0.3 "$ISO" start "$D2") || fail "the second isolated libvirtd did not start"
[ "$(cat "$D/host_uuid")" != "$(cat "$D2/host_uuid")" ] && [ "$(cat "$D/hostname")" != "$(cat "$D2/hostname")" ] ||
    fail "the two isolated daemons share a hostname or host UUID"
virsh -c "$URI2" capabilities | grep -q "<uuid>$(cat "$D2/host_uuid")</uuid>" ||
    fail "libvirtd does not give its host_uuid as the capabilities' host UUID"
[ "$(virsh -c "$URI2" hostname)" = "$(cat "$D2/hostname")" ] || fail "the second daemon's hostname is not its own"
ok "second isolated libvirtd: $URI2 (pid $INIT2), hostname $(cat "$D2/hostname"), host UUID $(cat "$D2/host_uuid")"
scn3=$(write_scenario iso-par "virtio-blk" "randread" "repetitions = 2" "runtime = 0.5" \
    "warmup = 0.1" "disk_size = 16" "boot_timeout = 120")
# $1 = output folder, the rest: --connect URIs; sets wall (seconds) and rc.
timed_run() {
    local out=$1 t0 args=()
    shift
    for u in "$@"; do args+=(--connect "$u"); done
    t0=$(date +%s.%N)
    "$PVBENCH" run --accel tcg --backend libvirt "${args[@]}" -o "$out" "$scn3" >"$out.log" 2>&1
    rc=$?
    wall=$(echo "$(date +%s.%N) - $t0" | bc)
}
timed_run "$TMP/a" "$URI"
[ $rc -eq 0 ] || { cat "$TMP/a.log"; fail "host A alone exited $rc"; }
wall_a=$wall
timed_run "$TMP/b" "$URI2"
[ $rc -eq 0 ] || { cat "$TMP/b.log"; fail "host B alone exited $rc"; }
wall_b=$wall
timed_run "$TMP/ab" "$URI" "$URI2"
cat "$TMP/ab.log"
[ $rc -eq 0 ] || fail "hosts A and B in parallel exited $rc"
grep -q "2 hosts on 2 machines: measured in parallel" "$TMP/ab.log" || fail "A and B were not measured in parallel"
for h in 127.0.0.2 127.0.0.3; do
    [ "$(csv_values "$TMP/ab/samples.csv" value "virtio-blk@$h" randread iops | wc -l)" -eq 2 ] ||
        fail "parallel run: not 2 samples of virtio-blk@$h"
done
[ "$(json "$TMP/ab/run.json" "len(set(h['facts']['uuid'] for h in d['hosts']))")" = 2 ] ||
    fail "parallel run: run.json does not hold two host UUIDs"
echo "wall time: A alone $wall_a s, B alone $wall_b s, A and B in parallel $wall s"
[ "$(echo "$wall < $wall_a + $wall_b" | bc)" = 1 ] ||
    fail "two hosts in parallel took $wall s, not less than the two alone ($wall_a + $wall_b s)"
ok "two hosts in parallel: $wall s against $wall_a + $wall_b s alone, one run folder, both hosts' samples"
timed_run "$TMP/aa" "$URI" "$URI"
cat "$TMP/aa.log"
[ $rc -eq 0 ] || fail "one daemon reached twice exited $rc"
grep -q "are one machine (hostname $(cat "$D/hostname"), host UUID $(cat "$D/host_uuid")): they are measured in turn" "$TMP/aa.log" ||
    fail "one daemon reached twice was not detected as one machine"
grep -q "measured in parallel" "$TMP/aa.log" && fail "one machine's two URIs were measured in parallel"
ok "one daemon reached through two URIs: one machine, measured in turn ($wall s), with a warning"

# 3c. The same disk through qemu+ssh.
if [ -n "$SSHD_ROOT" ]; then
    SURI=$("$ISO" ssh-uri "$D") || fail "no qemu+ssh URI"
    [ "$(virsh -c "$SURI" hostname)" = "$(cat "$D/hostname")" ] || fail "virsh over qemu+ssh: not the isolated host"
    P=${SURI#*127.0.0.2:}
    P=${P%%/*}
    "$D/ssh" -i "$D/id_ed25519" -o StrictHostKeyChecking=no -p "$P" root@127.0.0.2 id >"$TMP/ssh-id.out" 2>&1 &&
        fail "the key runs any command, not only libvirt's transport"
    grep -q "libvirt's transport only" "$TMP/ssh-id.out" || { cat "$TMP/ssh-id.out"; fail "ssh id: not refused by command="; }
    "$PVBENCH" run --accel tcg --backend libvirt --connect "$SURI" -o "$TMP/s1" "$scn3" >"$TMP/s1.log" 2>&1
    rc=$?
    cat "$TMP/s1.log"
    [ $rc -eq 0 ] || fail "the disk through qemu+ssh exited $rc"
    [ "$(csv_values "$TMP/s1/samples.csv" value virtio-blk randread iops | wc -l)" -eq 2 ] ||
        fail "qemu+ssh: not 2 samples"
    grep -q "READY sent" "$TMP/s1/logs/virtio-blk-console.log" || fail "qemu+ssh: no console in logs/"
    [ "$(ls -la ~/.ssh 2>&1 | md5sum)" = "$ssh_before" ] || fail "~/.ssh changed"
    ok "virtio-blk through qemu+ssh (sshd in the namespace, key-only, command= restricted); ~/.ssh untouched"
else
    echo "note: qemu+ssh not tested: Debian's openssh-server cannot be had ($(tail -1 "$TMP/fetch-sshd.log"))"
fi

# $1 = output folder, $2 = "revive" to start libvirtd again 2 s after killing it, $3 the
# device (virtio-blk), $4 its workload (randread).
kill_mid_job() {
    local out=$1 lv pid
    scn2=$(write_scenario iso-long "${3:-virtio-blk}" "${4:-randread}" "repetitions = 3" "runtime = 3" \
        "warmup = 0.1" "disk_size = 16" "boot_timeout = 120")
    "$PVBENCH" run --accel tcg --backend libvirt --connect "$URI" -o "$out" "$scn2" >"$out.log" 2>&1 &
    pid=$!
    for _ in $(seq 600); do grep -q "rep 1/3" "$out.log" && break; sleep 0.2; done
    grep -q "rep 1/3" "$out.log" || { kill "$pid"; wait "$pid"; cat "$out.log"; fail "$out: no job started"; }
    sleep 1
    lv=$("$ISO" daemon "$D")
    [ -n "$lv" ] || fail "no libvirtd in the namespace"
    kill -KILL "$lv"
    if [ "$2" = revive ]; then
        sleep 2
        "$ISO" revive "$D" || fail "libvirtd did not come back"
    fi
    wait "$pid"
    rc=$?
    cat "$out.log"
}

# 4. libvirtd killed in the middle of a job and back 2 s later: the job runs again.
kill_mid_job "$TMP/r2" revive
[ $rc -eq 0 ] || fail "run 2 (libvirtd killed, back): exited $rc"
grep -q "the connection closed" "$TMP/r2.log" && grep -q "booting a fresh guest" "$TMP/r2.log" &&
    grep -q "reconnected" "$TMP/r2.log" || fail "run 2: no lost connection, reconnect and retry in the log"
[ "$(csv_values "$TMP/r2/samples.csv" value virtio-blk randread iops | wc -l)" -eq 3 ] ||
    fail "run 2: not 3 samples after the retry"
ok "libvirtd SIGKILLed mid-job and restarted: the job ran again on a fresh guest, 3 samples"

# 4b. The same in the middle of a NIC's job: the guest and its peer guest are booted again.
kill_mid_job "$TMP/r2n" revive virtio-net tcp_rr
[ $rc -eq 0 ] || fail "run 2n (libvirtd killed during a NIC job, back): exited $rc"
grep -q "booting a fresh guest" "$TMP/r2n.log" && grep -q "the peer guest is gone: booting it again" "$TMP/r2n.log" ||
    fail "run 2n: no fresh guest and fresh peer guest in the log"
[ "$(csv_values "$TMP/r2n/samples.csv" value virtio-net tcp_rr transactions_s | wc -l)" -eq 3 ] ||
    fail "run 2n: not 3 samples after the retry"
[ -z "$(virsh -c "$URI" list --all --name | grep pvb-)" ] && [ -z "$(virsh -c "$URI" net-list --all --name | grep pvb-)" ] ||
    fail "run 2n: a domain or network is left"
ok "libvirtd SIGKILLed during a NIC job and restarted: fresh guest and peer guest, 3 samples, nothing left"

# 5. libvirtd killed and left dead: the host fails alone, with its reason.
kill_mid_job "$TMP/r3" dead
[ $rc -eq 3 ] || fail "run 3 (libvirtd killed for good): exited $rc, not 3"
grep -q "host unreachable for" "$TMP/r3.log" || fail "run 3: the failure does not say the host is unreachable"
"$ISO" revive "$D" || fail "libvirtd did not come back"
"$PVBENCH" cleanup >"$TMP/cleanup.log" 2>&1
cat "$TMP/cleanup.log"
ok "libvirtd SIGKILLed for good: the host failed (exit 3); pvbench cleanup ran once it was back"

# 6. Nothing of pvbench is left on that host.
left=$(virsh -c "$URI" list --all --name | grep pvb-)
[ -z "$left" ] || fail "domains left: $left"
left=$(virsh -c "$URI" pool-list --all --name | grep pvb-)
[ -z "$left" ] || fail "pools left: $left"
left=$(virsh -c "$URI" net-list --all --name | grep pvb-)
[ -z "$left" ] || fail "networks left: $left"
for p in $(virsh -c "$URI" pool-list --all --name); do
    [ -z "$(virsh -c "$URI" vol-list "$p" 2>/dev/null | grep pvb-)" ] || fail "volumes left in pool $p"
done
for i in "$INIT" "$INIT2"; do
    nsenter -t "$i" -m -p sh -c 'ps -eo comm; ls /var/lib/libvirt/images' >"$TMP/ns.out" 2>&1
    grep -qE "qemu|pvb-" "$TMP/ns.out" && { cat "$TMP/ns.out"; fail "nsenter $i: a QEMU or a pool folder is left"; }
done
[ -z "$(virsh -c "$URI2" list --all --name | grep pvb-)" ] && [ -z "$(virsh -c "$URI2" pool-list --all --name | grep pvb-)" ] ||
    fail "a domain or pool is left on the second host"
ok "no pvb- domain, pool, volume or network (virsh), no QEMU or pool folder (nsenter), on both hosts"

"$ISO" stop "$D"
"$ISO" stop "$D2"
kill -0 "$INIT" 2>/dev/null && fail "the namespace init $INIT did not stop"
kill -0 "$INIT2" 2>/dev/null && fail "the namespace init $INIT2 did not stop"
assert_no_leftovers
ok "the isolated daemon stopped (pid $INIT)"
# pvbench-test: alone (the machine's libvirtd, or daemons of its own on loopback ports)
