# Shared helpers for integration tests (sourced). Each test boots real guests under TCG.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
PVBENCH="$ROOT/bench/pvbench"
IMAGE="${PVBENCH_IMAGE_DIR:-$ROOT/build/guest}"
TMP=$(mktemp -d /var/tmp/pvbench-test.XXXXXX)
# A state folder of the test's own, so checks for leftovers see only this test's runs.
export PVBENCH_STATE_DIR="$TMP/state"
# Tests pick their backend; the libvirt tests ask for it explicitly.
export PVBENCH_BACKEND=${PVBENCH_BACKEND:-qemu}
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "skipped: $*"; exit 77; }
ok() { echo "ok: $*"; }

need_guest() {
    [ "$(id -u)" -eq 0 ] || skip "needs root (KVM probe, scratch disks)"
    command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 missing (scripts/setup)"
    [ -r "$IMAGE/vmlinux" ] && [ -r "$IMAGE/initramfs.img" ] || skip "no guest image (make image)"
}

# A small scenario for tests: $1 = file stem, $2 = devices, $3 = workloads, then
# "key = value" lines that replace the defaults below.
write_scenario() {
    local f="$TMP/$1.ini" devs=$2 wls=$3 kv key; shift 3
    declare -A val=([repetitions]=2 [runtime]=0.5 [warmup]=0.2 [disk_size]=64 [boot_timeout]=60
                   [warmup_jobs]=0)
    local order=(repetitions runtime warmup disk_size boot_timeout warmup_jobs)
    for kv in "$@"; do
        key=${kv%%=*}; key=${key// /}
        [ -n "${val[$key]+x}" ] || order+=("$key")
        val[$key]=${kv#*=}
    done
    {
        echo "[scenario]"
        echo "name = test"
        echo "devices = $devs"
        echo "workloads = $wls"
        for key in "${order[@]}"; do echo "$key = ${val[$key]# }"; done
    } >"$f"
    echo "$f"
}

# Value of column $2 (by header name) in CSV $1, rows matching config $3, workload $4, metric $5.
csv_values() {
    awk -F, -v col="$2" -v c="$3" -v w="$4" -v m="$5" '
        NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
        $idx["config"] == c && $idx["workload"] == w && $idx["metric"] == m { print $idx[col] }
    ' "$1"
}

# No process of ours left: none with this test's state folder or run ids on its command line.
assert_no_leftovers() {
    local left
    if [ -d "$PVBENCH_STATE_DIR" ]; then
        left=$(find "$PVBENCH_STATE_DIR" -mindepth 1 | head -5)
        [ -z "$left" ] || fail "state folder not empty: $left"
    fi
    # Read command lines with bash builtins only, so no helper process matches itself.
    local p args
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = "$$" ] && continue
        { mapfile -d '' args <"$p/cmdline"; } 2>/dev/null || continue
        case "${args[*]}" in
            *"$PVBENCH_STATE_DIR"*) fail "process ${p#/proc/} still running: ${args[*]}" ;;
        esac
    done
    ok "nothing left behind"
}

# ---- libvirt daemons (no systemd): start what is not running, stop only what we started ----
started_virtlogd='' started_libvirtd=''

# A daemon runs if its pid file names a live process of that name.
daemon_running() {
    local pid
    pid=$(cat "/run/$1.pid" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ]
}

# Start daemon $1 unless it runs; sets started_$1 to the pid of one we started.
start_daemon() {
    local name=$1 i
    daemon_running "$name" && return 0
    "$name" -d || fail "cannot start $name"
    for i in $(seq 50); do
        daemon_running "$name" && break
        sleep 0.1
    done
    daemon_running "$name" || fail "$name did not write /run/$name.pid"
    printf -v "started_$name" '%s' "$(cat "/run/$name.pid")"
    echo "started $name (pid $(cat "/run/$name.pid"))"
}

# Stop a daemon this test started, by its pid.
stop_pid() {
    local pid=$1
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "stopped pid $pid"
}

# Start virtlogd and libvirtd if needed and wait until qemu:///system answers; a trap
# stops what was started. Skips the test when libvirt is not installed.
libvirt_up() {
    command -v libvirtd >/dev/null && command -v virtlogd >/dev/null &&
        command -v virsh >/dev/null || skip "libvirt-daemon-system / libvirt-clients missing"
    trap 'stop_pid "$started_libvirtd"; stop_pid "$started_virtlogd"; rm -rf "$TMP"' EXIT
    start_daemon virtlogd
    start_daemon libvirtd
    for _ in $(seq 100); do virsh -c qemu:///system version >/dev/null 2>&1 && return 0; sleep 0.1; done
    fail "libvirtd does not answer on qemu:///system"
}

# A run into a folder that filled up (test_disk_full, fast/test_process_disk_full): $1 the
# run's exit code, $2 its output file, $3 the run folder. Exit 3 with a clear message, the
# samples written before intact, and `pvbench report` reads them (from a copy with room).
check_disk_full_run() {
    local rc=$1 log=$2 out=$3 n rrc
    [ "$rc" -eq 3 ] || fail "exit $rc, expected 3"
    grep -Eq "cannot write .*samples.csv.*(No space left|quota)" "$log" ||
        fail "no clear message about the full disk"
    grep -q "rep [0-9]*: the samples could not be saved" "$log" ||
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
}

# Start a run in the background, Ctrl-C it once its first randread sample is saved, and check
# that it stopped as an interrupted run should (exit 3, says so, nothing left behind).
# $1 the run folder, $2 the output file, $3 how many 0.1 s waits at most; then the command.
interrupt_after_first_sample() {
    local out=$1 log=$2 tries=$3 harness rc n
    shift 3
    "$@" >"$log" 2>&1 &
    harness=$!
    for _ in $(seq 1 "$tries"); do
        n=$(grep -c ',randread,iops,' "$out/samples.csv" 2>/dev/null)
        [ "${n:-0}" -ge 1 ] && break
        kill -0 $harness 2>/dev/null || break
        sleep 0.1
    done
    kill -INT $harness
    wait $harness; rc=$?
    cat "$log"
    [ $rc -eq 3 ] || fail "interrupted run exited $rc, expected 3"
    grep -q 'interrupted' "$log" || fail "no word of the interruption"
    assert_no_leftovers
}

# Headless Chromium with a fresh profile and no network (each test's own TMP).
chrome() {
    local profile
    profile=$(mktemp -d "$TMP/chromium.XXXXXX")
    timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" "$@"
}

# What the browser makes of page $1's images: "images N broken K SRC..." (a copy of the page
# at $2 gets a script that counts the images that did not decode).
chrome_images() {
    sed 's#</body>#<script>\
window.addEventListener("load", function () {\
  var bad = [], n = 0;\
  document.querySelectorAll("img").forEach(function (i) {\
    n++; if (!i.complete || i.naturalWidth === 0) { bad.push(i.getAttribute("src")); }\
  });\
  var p = document.createElement("pre"); p.id = "pvbench-check";\
  p.textContent = "images " + n + " broken " + bad.length + " " + bad.join(" ");\
  document.body.appendChild(p);\
});\
</script></body>#' "$1" >"$2"
    chrome --virtual-time-budget=10000 --dump-dom "file://$2" 2>/dev/null |
        grep -o '<pre id="pvbench-check">[^<]*'
}
