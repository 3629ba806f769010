# As a user who is not root: a run whose state folder it cannot write is refused with a
# message naming PVBENCH_STATE_DIR, exit 3, and leaves no run folder; with a state folder of
# its own a disk scenario runs (exit 0). Needs root to become the user (setpriv).
. "$(dirname "$0")/lib.sh"
need_agent
[ "$(id -u)" -eq 0 ] || skip "needs root to run as another user (setpriv)"
command -v setpriv >/dev/null || skip "setpriv missing (util-linux)"

user=$TMP/user
mkdir -p "$user/state"
chmod 0777 "$TMP" "$user" "$user/state"
as_user() {
    setpriv --reuid=65534 --regid=65534 --clear-groups \
        env -u PVBENCH_STATE_DIR HOME="$user" PVBENCH_BACKEND=process "$@"
}
scn=$(write_scenario nonroot "virtio-blk" "randread" "repetitions = 2" "runtime = 0.2" \
    "warmup = 0")
chmod 0644 "$scn"

# A state folder that belongs to root (as /var/tmp/pvbench does once root ran pvbench):
# refused, with the way out, nothing left.
mkdir -p "$TMP/rootonly"
chmod 0755 "$TMP/rootonly"
out="$user/refused"
as_user PVBENCH_STATE_DIR="$TMP/rootonly" "$PVBENCH" run -o "$out" "$scn" >"$TMP/refused" 2>&1
rc=$?
cat "$TMP/refused"
[ $rc -eq 3 ] || fail "refused run: exit $rc, expected 3"
grep -q "set PVBENCH_STATE_DIR to a folder of yours" "$TMP/refused" ||
    fail "the refusal does not say how to run without root"
[ ! -e "$out" ] || fail "the refused run left its folder behind: $(ls -R "$out")"
ok "not root, a state folder of root's: exit 3, the way out named, no folder left"

# A state folder of the user's own: the disk scenario runs.
out="$user/run"
as_user PVBENCH_STATE_DIR="$user/state" "$PVBENCH" run -o "$out" "$scn" >"$TMP/run" 2>&1
rc=$?
tail -3 "$TMP/run"
[ $rc -eq 0 ] || fail "not root with PVBENCH_STATE_DIR: exit $rc"
[ -n "$(csv_values "$out/samples.csv" value virtio-blk randread iops)" ] || fail "no samples"
ok "not root with a state folder of its own: the disk scenario ran"
