# Shared helpers of the fast tier (sourced): the integration helpers (lib.sh beside the
# integration tests), with every run through the process backend: pvbench-agent as a host
# process, no QEMU, no guest image, no accelerator. Each test takes seconds.
. "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
export PVBENCH_BACKEND=process
AGENT_BIN="${PVBENCH_AGENT:-$ROOT/guest-agent/pvbench-agent}"

# The harness and the agent are built; the scratch disks' file system takes O_DIRECT.
need_agent() {
    [ -x "$PVBENCH" ] || skip "bench/pvbench not built (make)"
    [ -x "$AGENT_BIN" ] || skip "no agent binary $AGENT_BIN (make)"
    mkdir -p "$PVBENCH_STATE_DIR"
    dd if=/dev/zero of="$PVBENCH_STATE_DIR/odirect" bs=4096 count=1 oflag=direct 2>/dev/null ||
        skip "$PVBENCH_STATE_DIR takes no O_DIRECT (the agent needs it)"
    rm -f "$PVBENCH_STATE_DIR/odirect"
}

# What a net run needs on this host: root, /dev/net/tun, ip(8).
need_net() {
    [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
    [ -c /dev/net/tun ] || skip "no /dev/net/tun on this host"
    command -v ip >/dev/null || skip "ip(8) missing (iproute2)"
}

# JSON $1 parsed, then the value at keys $2 $3 ... (numbers index arrays); fails if absent.
json_get() {
    python3 - "$@" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)
PY
}
