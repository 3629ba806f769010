# Shared helpers for integration tests (sourced). Each test boots real guests under TCG.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
PVBENCH="$ROOT/bench/pvbench"
IMAGE="${PVBENCH_IMAGE_DIR:-$ROOT/build/guest}"
TMP=$(mktemp -d /var/tmp/pvbench-test.XXXXXX)
# A state folder of the test's own, so checks for leftovers see only this test's runs.
export PVBENCH_STATE_DIR="$TMP/state"
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
    declare -A val=([repetitions]=2 [runtime]=0.5 [warmup]=0.2 [disk_size]=64 [boot_timeout]=60)
    local order=(repetitions runtime warmup disk_size boot_timeout)
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
