#!/usr/bin/env bash
# Run inside L1 (scripts/kvm-l1 run, in the repository, results share at /run/l1) by
# check_kvm.sh: `pvbench run --accel kvm` on bench/tests/kvm/kvm.ini into /run/l1/run, then
# what the run may have left inside L1 into /run/l1/leftovers.txt (empty: nothing). Exits
# with pvbench's exit status.
set -u
out=/run/l1
rc=0
bench/pvbench run --accel kvm -o "$out/run" bench/tests/kvm/kvm.ini || rc=$?
echo "$rc" >"$out/pvbench-rc"
{
    # Everything below is L1's own: its processes, its namespaces, its links.
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = "$$" ] && continue
        { mapfile -d '' args <"$p/cmdline"; } 2>/dev/null || continue
        case "${args[0]:-}" in
            *qemu-system*|*pvbench*) echo "process ${p#/proc/}: ${args[*]}" ;;
        esac
    done
    ip netns list 2>/dev/null | sed 's/^/netns /'
    ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^pvb/ { print "link " $2 }'
    find "${PVBENCH_STATE_DIR:-/var/tmp/pvbench}" -mindepth 1 -maxdepth 1 \
        ! -name lost+found 2>/dev/null | sed 's/^/state /'
} >"$out/leftovers.txt"
bench/pvbench cleanup --dry-run >"$out/cleanup.txt" 2>&1 || true
exit "$rc"
