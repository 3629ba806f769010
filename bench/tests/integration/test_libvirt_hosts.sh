# Several hosts in one run: `pvbench run --connect A --connect B` through a real libvirtd
# under TCG, the two hosts being the same daemon reached over two transports: qemu:///system
# and qemu+tcp://127.0.0.1:PORT/system, the second through a loopback relay this test starts
# (and stops, by its pid) to libvirtd's Unix socket: no listening libvirtd, no host config
# change. A +tcp URI is remote to pvbench, so the guest image and the scratch disk go up with
# virStorageVolUpload into a pool the run makes; a second run forces that path for both hosts
# (PVBENCH_LIBVIRT_FORCE_UPLOAD=1). Checked: the host column, run.json's hosts, the report's
# device@host labels, compare matching host+device, a SIGKILLed harness's pool and volumes
# removed by `pvbench cleanup`, and nothing left behind (no pvb- domain, pool or volume).
. "$(dirname "$0")/lib.sh"
need_guest
libvirt_up
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3 for the loopback relay"
relay_pid=''
trap 'stop_pid "$relay_pid"; stop_pid "$started_libvirtd"; stop_pid "$started_virtlogd"; rm -rf "$TMP"' EXIT
POOLS=${PVBENCH_LIBVIRT_POOL_DIR:-/var/lib/libvirt/images}

# The relay: 127.0.0.1 only, and only connections from root's sockets (uid from
# /proc/net/tcp), so it grants no one more than they have.
cat >"$TMP/relay.py" <<'EOF'
import socket, sys, threading
def uid_of(port):
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            p = line.split()
            if p[1] == "0100007F:%04X" % port:
                return int(p[7])
    return -1
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
def serve(c, peer):
    if uid_of(peer[1]) != 0:
        c.close()
        return
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.connect("/run/libvirt/libvirt-sock")
    threading.Thread(target=pump, args=(u, c), daemon=True).start()
    pump(c, u)
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
l.bind(("127.0.0.1", 0))
l.listen(16)
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % l.getsockname()[1])
while True:
    c, peer = l.accept()
    threading.Thread(target=serve, args=(c, peer), daemon=True).start()
EOF
/usr/bin/python3 "$TMP/relay.py" "$TMP/port" &
relay_pid=$!
for _ in $(seq 50); do [ -s "$TMP/port" ] && break; sleep 0.1; done
PORT=$(cat "$TMP/port" 2>/dev/null)
[ -n "$PORT" ] || fail "the loopback relay did not start"
A=qemu:///system
B="qemu+tcp://127.0.0.1:$PORT/system"
virsh -c "$B" version >/dev/null 2>&1 || fail "libvirtd does not answer through $B"
ok "relay pid $relay_pid on 127.0.0.1:$PORT: $B reaches the same libvirtd"

scn=$(write_scenario hosts "virtio-blk" "randread" "repetitions = 2" "runtime = 0.3" \
    "warmup = 0.1" "disk_size = 16")
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open('$1')); print($2)"; }

# $1 = output folder, rest: environment for the run. Checks what every 2-host run must show.
run_two() {
    local out=$1 rc; shift
    env "$@" "$PVBENCH" run --accel tcg --backend libvirt --connect "$A" --connect "$B" \
        -o "$out" "$scn" >"$out.log" 2>&1
    rc=$?
    cat "$out.log"
    [ $rc -eq 0 ] || fail "2-host run exited $rc"
    head -1 "$out/samples.csv" | grep -q ',value,host,boot$' || fail "samples.csv has no host column"
    head -1 "$out/summary.csv" | grep -q ',ci95_high,host$' || fail "summary.csv has no host column"
    [ "$(json "$out/run.json" "len(d['hosts'])")" = 2 ] || fail "run.json does not list 2 hosts"
    L1=$(json "$out/run.json" "d['hosts'][0]['label']")
    L2=$(json "$out/run.json" "d['hosts'][1]['label']")
    [ -n "$L1" ] && [ -n "$L2" ] && [ "$L1" != "$L2" ] || fail "host labels '$L1' '$L2'"
    json "$out/run.json" "'\n'.join('%s %s %s %s %s' % (h['uri'], h['hostname'], h['libvirt_version'], h['accelerator']['name'], h['status']) for h in d['hosts'])" >"$out.hosts"
    cat "$out.hosts"
    # Both hosts are this daemon: the same hostname (as libvirt says it) and version.
    [ "$(cut -d' ' -f1 "$out.hosts" | tr '\n' ' ')" = "$A $B " ] &&
        [ "$(cut -d' ' -f2- "$out.hosts" | sort -u | wc -l)" -eq 1 ] &&
        grep -q "^$A [^ ][^ ]* [0-9]*\.[0-9]*\.[0-9]* tcg ok$" "$out.hosts" ||
        fail "run.json hosts: URI, hostname, libvirt version, accelerator, status"
    [ "$(json "$out/run.json" "' '.join(c['config']+'/'+c['host']+'/'+c['status'] for c in d['configs'])")" = \
        "virtio-blk@$L1/$L1/ok virtio-blk@$L2/$L2/ok" ] || fail "run.json configs do not carry their host"
    for L in "$L1" "$L2"; do
        [ "$(csv_values "$out/samples.csv" host "virtio-blk@$L" randread iops | sort -u)" = "$L" ] ||
            fail "samples of virtio-blk@$L lack host $L"
        [ "$(csv_values "$out/samples.csv" value "virtio-blk@$L" randread iops | wc -l)" -eq 2 ] ||
            fail "virtio-blk@$L: not 2 repetitions"
        [ "$(csv_values "$out/summary.csv" host "virtio-blk@$L" randread iops)" = "$L" ] ||
            fail "summary.csv: no row of virtio-blk@$L with host $L"
        grep -q "virtio-blk@$L" "$out/report.md" || fail "report.md lacks the label virtio-blk@$L"
        grep -q "virtio-blk@$L" "$out/report.html" || fail "report.html lacks virtio-blk@$L"
    done
    grep -q 'named device@host' "$out/report.md" || fail "report.md does not explain device@host"
    grep -q '<h3>Hosts</h3>' "$out/report.html" || fail "report.html has no hosts table"
    ok "$out: hosts $L1 and $L2 in run.json, the CSVs and the report"
}

# Nothing of run $1 left: no domain, pool, pool folder or pool definition of its run id.
leftovers() {
    local id=$1 d p
    d=$(virsh -c "$A" list --all --name | grep "^pvb-$id")
    p=$(virsh -c "$A" pool-list --all --name | grep "^pvb-$id")
    [ -z "$d$p" ] || fail "run $id left behind: domains '$d', pools '$p'"
    [ ! -e "$POOLS/pvb-$id" ] || fail "run $id left its pool folder $POOLS/pvb-$id"
    [ ! -e "/etc/libvirt/storage/pvb-$id.xml" ] || fail "run $id left its pool definition"
    virsh -c "$A" vol-list --pool default 2>/dev/null | grep -q "pvb-$id" &&
        fail "run $id left a volume in the default pool"
    return 0
}
run_id() { json "$1/run.json" "d['run_id']"; }

# 1. qemu:///system keeps local files; the +tcp host gets the image uploaded.
run_two "$TMP/r1"
[ "$(grep -c 'guest image uploaded to storage pool' "$TMP/r1.log")" -eq 1 ] ||
    fail "run 1: expected one upload (the +tcp host only)"
json "$TMP/r1/run.json" "d['hosts'][1]['storage']" | grep -q '^uploaded with virStorageVolUpload to storage pool pvb-' ||
    fail "run 1: the +tcp host's image was not uploaded"
[ "$(json "$TMP/r1/run.json" "d['hosts'][0]['storage']")" = "local files" ] ||
    fail "run 1: qemu:///system did not use the local files"
leftovers "$(run_id "$TMP/r1")"
ok "run 1: upload only for the remote transport; no domain, pool or volume left"

# 2. The upload path forced for both hosts (the same labels, so compare can pair them).
run_two "$TMP/r2" PVBENCH_LIBVIRT_FORCE_UPLOAD=1
[ "$(grep -c 'guest image uploaded to storage pool' "$TMP/r2.log")" -eq 2 ] ||
    fail "run 2: expected an upload per host"
json "$TMP/r2/run.json" "d['hosts'][0]['kernel']" | grep -q "^$POOLS/pvb-[0-9a-f]*/pvb-[0-9a-f]*-vmlinux$" ||
    fail "run 2: the domain did not boot the uploaded kernel"
leftovers "$(run_id "$TMP/r2")"
ok "run 2: both hosts booted uploaded volumes; nothing left"

# 3. compare of two 2-host runs pairs the cells by host and device.
"$PVBENCH" compare --no-plot --json "$TMP/cmp.json" "$TMP/r1" "$TMP/r2" >"$TMP/cmp.out" 2>&1
rc=$?
cat "$TMP/cmp.out"
[ $rc -eq 0 ] || [ $rc -eq 2 ] || [ $rc -eq 5 ] || fail "compare exited $rc"
[ "$(json "$TMP/cmp.json" "' '.join(sorted(set(r['config'] for r in d['rows'] if r['n_base'] == 2 and r['n_new'] == 2)))")" = \
    "$(printf '%s\n' "virtio-blk@$L1" "virtio-blk@$L2" | sort | tr '\n' ' ' | sed 's/ $//')" ] ||
    fail "compare did not pair virtio-blk@$L1 and virtio-blk@$L2 across the runs"
ok "compare matched both hosts' cells (host+device)"

# 4. A SIGKILLed harness leaves its pool and volumes; `pvbench cleanup` removes them.
PVBENCH_LIBVIRT_FORCE_UPLOAD=1 "$PVBENCH" run --accel tcg --backend libvirt --connect "$B" \
    -o "$TMP/r3" "$scn" >"$TMP/r3.log" 2>&1 &
harness=$!
for _ in $(seq 300); do
    grep -q boot_to_ready_s "$TMP/r3/samples.csv" 2>/dev/null && break
    sleep 0.1
done
kill -9 $harness
wait $harness 2>/dev/null
id=$(json "$TMP/r3/run.json" "d['run_id']" 2>/dev/null)
pool="pvb-$id"
[ -n "$id" ] && virsh -c "$A" pool-info "$pool" >/dev/null 2>&1 ||
    { cat "$TMP/r3.log"; fail "no pool $pool while the killed run was measuring"; }
grep -q "^volume $POOLS/$pool/$pool-vmlinux $B$" "$PVBENCH_STATE_DIR/$id/registry" ||
    { cat "$PVBENCH_STATE_DIR/$id/registry"; fail "the uploaded kernel was not registered"; }
"$PVBENCH" cleanup >"$TMP/cleanup.out" 2>&1 || { cat "$TMP/cleanup.out"; fail "cleanup failed"; }
cat "$TMP/cleanup.out"
grep -q "releasing pool $pool" "$TMP/cleanup.out" || fail "cleanup did not release pool $pool"
leftovers "$id"
ok "SIGKILLed run: cleanup removed pool $pool and its volumes"

stop_pid "$relay_pid"
relay_pid=''
assert_no_leftovers
# pvbench-test: alone (the machine's libvirtd, or daemons of its own on loopback ports)
