# QEMU and guest kernel versions from Debian's archive (issue 13 item 5): `pvbench fetch
# --list` shows what bookworm, -security and -backports offer; the backports QEMU (10.x) is
# fetched into the cache and a guest boots to READY under it, its process running the fetched
# binary with the cache's libraries in its own environment, an nvme disk found under it; the
# backports kernel (6.12) is built into build/guest-kernel-<version>/ and boots under the same
# QEMU. A version that does
# not exist: exit 2 with apt's words; an archive that cannot be reached: exit 4; neither
# leaves anything in the cache, and a folder without its marker is redone.
# Skipped (77) only when the archive cannot be reached. The cache is the real one
# ($PVBENCH_CACHE_DIR or build/), so a second run fetches nothing.
. "$(dirname "$0")/lib.sh"
need_guest
[ -r "$ROOT/build/libpvbench.a" ] || skip "build/libpvbench.a missing (make)"
pkg-config --exists libvirt libxml-2.0 inih json-c || skip "the harness's -dev packages are missing"
CACHE=${PVBENCH_CACHE_DIR:-$ROOT/build}
export PVBENCH_CACHE_DIR=$CACHE

# 1. What the archive offers.
"$PVBENCH" fetch --list >"$TMP/list" 2>"$TMP/list.err"
rc=$?
cat "$TMP/list"
[ $rc -eq 4 ] && skip "the Debian archive cannot be reached: $(tail -n 2 "$TMP/list.err" | xargs)"
[ $rc -eq 0 ] || fail "pvbench fetch --list: exit $rc: $(cat "$TMP/list.err")"
V=$(awk '$1 == "qemu" && $3 == "bookworm-backports" { print $2; exit }' "$TMP/list")
K=$(awk '$1 == "kernel" && $3 == "bookworm-backports" { print $2; exit }' "$TMP/list")
[ -n "$V" ] || fail "no qemu-system-x86 in bookworm-backports"
awk '$1 == "qemu" && $3 == "bookworm" { f = 1 } END { exit !f }' "$TMP/list" ||
    fail "no qemu-system-x86 in bookworm"
ok "archive offers QEMU $V (bookworm-backports), kernel ${K:-none} (bookworm-backports)"
case $V in 1:10.*) ;; *) fail "bookworm-backports' QEMU is $V, not 10.x" ;; esac

# 2. Fetch it (once: later runs find it complete).
DIR=$CACHE/qemu/${V//:/%3a}
t0=$(date +%s.%N)
"$PVBENCH" fetch qemu "$V" >"$TMP/fetch" 2>&1 || { cat "$TMP/fetch"; fail "fetch qemu $V"; }
t1=$(date +%s.%N)
cat "$TMP/fetch"
[ -f "$DIR/.complete" ] && [ -f "$DIR/qemuver.txt" ] || fail "$DIR is not complete"
grep -q "^qemu=QEMU emulator version 10\." "$DIR/qemuver.txt" || fail "not QEMU 10: $(cat "$DIR/qemuver.txt")"
ok "fetched in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s," \
   "$(du -sh "$DIR" | cut -f1) in $DIR"

# 3. No such version: apt's words, exit 2, nothing left in the cache.
"$PVBENCH" fetch qemu 1:0.0-0 >"$TMP/none" 2>&1
rc=$?
[ $rc -eq 2 ] || { cat "$TMP/none"; fail "a version that does not exist: exit $rc, not 2"; }
grep -q "E: Version '1:0.0-0' for 'qemu-system-x86' was not found" "$TMP/none" ||
    fail "apt's words missing: $(cat "$TMP/none")"
[ ! -e "$CACHE/qemu/1%3a0.0-0" ] || fail "a folder for a version that does not exist"
[ -z "$(find "$CACHE/qemu" -maxdepth 1 -name '.tmp-*')" ] || fail "a temporary folder left"
ok "no such version: exit 2, apt says so, cache unchanged"

# 4. The archive unreachable (a mirror nobody listens on): exit 4, nothing cached.
PVBENCH_CACHE_DIR=$TMP/cache4 PVBENCH_DEBIAN_MIRROR=http://127.0.0.1:9/debian \
    PVBENCH_DEBIAN_SECURITY=http://127.0.0.1:9/debian-security \
    "$PVBENCH" fetch qemu "$V" >"$TMP/unreach" 2>&1
rc=$?
[ $rc -eq 4 ] || { cat "$TMP/unreach"; fail "unreachable archive: exit $rc, not 4"; }
[ ! -e "$TMP/cache4/qemu" ] || [ -z "$(ls -A "$TMP/cache4/qemu" | grep -v '^\.lock$')" ] ||
    fail "something left in the cache: $(ls -A "$TMP/cache4/qemu")"
ok "unreachable archive: exit 4, nothing cached"

# 5. A half-made folder (no .complete) is redone, never used.
mkdir -p "$TMP/cache5/qemu/${V//:/%3a}/root/usr/bin"
echo broken >"$TMP/cache5/qemu/${V//:/%3a}/root/usr/bin/qemu-system-x86_64"
PVBENCH_CACHE_DIR=$TMP/cache5 "$PVBENCH" fetch qemu "$V" >"$TMP/redo" 2>&1 ||
    { cat "$TMP/redo"; fail "refetch over a half-made folder"; }
[ -f "$TMP/cache5/qemu/${V//:/%3a}/.complete" ] || fail "half-made folder not redone"
[ "$(stat -c %s "$TMP/cache5/qemu/${V//:/%3a}/root/usr/bin/qemu-system-x86_64")" -gt 1000000 ] ||
    fail "the half-made folder's binary was kept"
rm -rf "$TMP/cache5"
ok "a folder without its marker is redone"

# 6. Boot under the fetched QEMU, through backend_qemu (libvirt_boot, the live test program).
BOOT="$TMP/libvirt_boot"
cc -std=gnu11 -O2 -g -D_GNU_SOURCE -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
    -Wmissing-prototypes -Wno-unused-parameter -Wvla -Wpointer-arith -Wno-format-truncation \
    -Werror $(pkg-config --cflags inih json-c libvirt libvirt-qemu libxml-2.0) -I"$ROOT/common" \
    $(printf -- "-I%s " "$ROOT"/bench/[a-z]*/) \
    -o "$BOOT" "$ROOT/bench/tests/live/libvirt_boot.c" "$ROOT/build/libpvbench.a" \
    $(pkg-config --libs inih json-c libvirt libvirt-qemu libxml-2.0) -lm || fail "cannot build libvirt_boot"
mkdir -p "$TMP/logs" "$PVBENCH_STATE_DIR"

# $1 = label, then libvirt_boot arguments; the first guest is held 3 s after READY so that
# its process can be looked at.
boot() {
    local label=$1 out=$TMP/$1.out pid
    shift
    "$BOOT" --backend qemu --logs "$TMP/logs" --timeout 120 --hold 3 "$@" >"$out" 2>"$TMP/$label.err" &
    local bpid=$!
    for _ in $(seq 1200); do
        grep -q ' pid=' "$out" 2>/dev/null && break
        kill -0 $bpid 2>/dev/null || break
        sleep 0.1
    done
    pid=$(sed -n 's/^boot .* pid=\([0-9]*\) .*/\1/p' "$out" | head -n 1)
    if [ -n "$pid" ]; then
        readlink "/proc/$pid/exe" >"$TMP/$label.exe" 2>/dev/null || true
        tr '\0' '\n' <"/proc/$pid/environ" >"$TMP/$label.env" 2>/dev/null || true
    fi
    wait $bpid
    local rc=$?
    cat "$out" "$TMP/$label.err"
    return $rc
}
ready_s() { sed -n 's/^boot .* ready_s=\([0-9.]*\) .*/\1/p' "$TMP/$1.out" | sort -n | awk '
    { v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

boot q10 --qemu "$V" --image "$IMAGE" --model virtio-blk --rounds 3 || fail "boot under QEMU $V"
[ "$(grep -c '^boot backend=qemu .* blk=vda driver=virtio_blk' "$TMP/q10.out")" -eq 3 ] ||
    fail "three guests under QEMU $V did not all reach READY with their disk"
grep -qx "$DIR/root/usr/bin/qemu-system-x86_64" "$TMP/q10.exe" ||
    fail "the guest's process runs $(cat "$TMP/q10.exe" 2>/dev/null), not the fetched binary"
grep -qx "LD_LIBRARY_PATH=$DIR/root/usr/lib/x86_64-linux-gnu" "$TMP/q10.env" ||
    fail "the fetched QEMU has no LD_LIBRARY_PATH of the cache"
grep -q "^QEMU_MODULE_DIR=$DIR/" "$TMP/q10.env" || fail "the fetched QEMU has no QEMU_MODULE_DIR"
ok "QEMU $V: 3 guests READY, median boot $(ready_s q10) s (fetched binary, its libraries)"

# NVMe under QEMU 10: every controller in a subsystem, the guest's native multipath shows a
# head and a hidden path; the agent must measure the head.
boot nvme10 --qemu "$V" --image "$IMAGE" --model nvme --rounds 1 || fail "nvme under QEMU $V"
grep -q '^boot backend=qemu .* blk=nvme0n1 driver=nvme ' "$TMP/nvme10.out" ||
    fail "nvme under QEMU $V: not nvme0n1 with driver nvme"
ok "nvme under QEMU $V: nvme0n1, driver nvme, boot $(ready_s nvme10) s"

boot host --image "$IMAGE" --model virtio-blk --rounds 3 || fail "boot under the host's QEMU"
grep -q "LD_LIBRARY_PATH=$DIR" "$TMP/host.env" && fail "the host's QEMU got the cache's libraries"
ok "host QEMU ($(qemu-system-x86_64 --version | head -n 1)): median boot $(ready_s host) s"

# 7. The backports kernel, built from its Debian version, under the fetched QEMU.
if [ -n "$K" ]; then
    t0=$(date +%s.%N)
    "$PVBENCH" fetch kernel "$K" >"$TMP/kfetch" 2>&1 || { cat "$TMP/kfetch"; fail "fetch kernel $K"; }
    t1=$(date +%s.%N)
    KDIR=$CACHE/guest-kernel-${K//:/%3a}
    [ -f "$KDIR/.complete" ] && [ -r "$KDIR/vmlinux" ] || fail "$KDIR is not complete"
    case $(cat "$KDIR/kernel-release") in 6.12.*) ;; *) fail "kernel $K is $(cat "$KDIR/kernel-release")" ;; esac
    ok "kernel $K ($(cat "$KDIR/kernel-release")) ready in" \
       "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s, $(du -sh "$KDIR" | cut -f1)"
    boot k612 --qemu "$V" --image "$KDIR" --model virtio-blk --rounds 2 ||
        fail "boot kernel $K under QEMU $V"
    ok "kernel $K under QEMU $V: median boot $(ready_s k612) s"
    "$PVBENCH" fetch kernel 0.0-0 >"$TMP/knone" 2>&1
    rc=$?
    [ $rc -eq 2 ] || { cat "$TMP/knone"; fail "a kernel version that does not exist: exit $rc"; }
    [ ! -e "$CACHE/guest-kernel-0.0-0" ] || fail "a folder for a kernel that does not exist"
    ok "no such kernel version: exit 2"
fi
assert_no_leftovers
echo "PASS"
