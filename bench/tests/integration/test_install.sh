# An installed pvbench works without the clone it was built from: `make install` into a
# prefix, the prefix moved elsewhere (it is relocatable), the clone hidden under an empty
# tmpfs in a mount namespace of the test's own, and from another folder a short run by
# scenario name (QEMU backend and process backend) and the demo with its PDF. `make
# uninstall` then leaves nothing behind.
. "$(dirname "$0")/lib.sh"
need_guest
command -v unshare >/dev/null || skip "unshare missing (util-linux)"

prefix="$TMP/prefix"
make -s -C "$ROOT" install PREFIX="$prefix" >"$TMP/install.log" 2>&1 ||
    { cat "$TMP/install.log"; fail "make install failed"; }
for f in bin/pvbench lib/pvbench/pvbench-agent share/pvbench/scenarios/quick.ini \
    share/pvbench/scripts/build-guest share/pvbench/scripts/plot/bars.gp \
    share/locale/es/LC_MESSAGES/pvbench.mo share/man/man1/pvbench.1 \
    share/bash-completion/completions/pvbench; do
    [ -e "$prefix/$f" ] || fail "make install did not install $f"
done
ok "make install put the binary, the agent, the data and the manual under the prefix"

moved="$TMP/elsewhere/pvbench"
mkdir -p "$TMP/elsewhere" "$TMP/cache" "$TMP/work"
cp -a "$prefix" "$moved"
cp -a "$IMAGE" "$TMP/cache/guest" # what `pvbench image build` would have made in the cache

# Inside: the clone is an empty folder; only the moved prefix and the cache are there.
cat >"$TMP/inside.sh" <<EOF
set -u
mount -t tmpfs pvbench-hidden "$ROOT" || exit 90
[ -z "\$(ls -A "$ROOT")" ] || exit 91
cd "$TMP/work"
export PATH="$moved/bin:/usr/sbin:/usr/bin:/sbin:/bin" PVBENCH_CACHE_DIR="$TMP/cache"
export PVBENCH_STATE_DIR="$TMP/state"
unset PVBENCH_DATADIR PVBENCH_AGENT PVBENCH_LOCALEDIR PVBENCH_IMAGE_DIR
pvbench image status >image.out 2>&1 || exit 92
pvbench run quick --accel tcg --backend qemu --set devices=virtio-blk --set workloads=randread \\
    --set repetitions=2 --set runtime=0.3 --set warmup=0.1 --set why=no -o run >run.out 2>&1 \\
    || exit 93
pvbench run quick --backend process --set devices=ide,virtio-blk --set workloads=randread \\
    --set repetitions=2 --set runtime=0.2 --set warmup=0 -o proc >proc.out 2>&1 || exit 94
pvbench demo --quick --accel tcg --lang es -o demo >demo.out 2>&1 || exit 95
exit 0
EOF
unshare --mount --propagation private bash "$TMP/inside.sh"
rc=$?
for f in image run proc demo; do
    [ -f "$TMP/work/$f.out" ] && { echo "--- $f.out"; tail -15 "$TMP/work/$f.out"; }
done
case $rc in
0) ;;
90 | 91) skip "cannot hide the clone in a mount namespace (exit $rc)" ;;
92) fail "pvbench image status failed in the installed copy" ;;
93) fail "the installed copy could not run a scenario by name through QEMU" ;;
94) fail "the installed copy could not run through the process backend (its agent)" ;;
95) fail "the installed copy's demo failed" ;;
*) fail "the installed copy's run ended with $rc" ;;
esac
grep -q "ready, kernel" "$TMP/work/image.out" || fail "image status does not see the cache's image"
grep -q "$TMP/cache/guest" "$TMP/work/image.out" || fail "image status names another folder"
[ -n "$(csv_values "$TMP/work/run/samples.csv" value virtio-blk randread iops)" ] ||
    fail "no virtio-blk samples from the installed copy"
[ -n "$(csv_values "$TMP/work/proc/samples.csv" value ide randread iops)" ] ||
    fail "no samples from the installed copy's process backend"
png=$(find "$TMP/work/run/plots" -name '*.png' 2>/dev/null | head -1)
[ -n "$png" ] || fail "no chart drawn: the plot templates were not found in the installed copy"
grep -q "Lo que mostró la demostración" "$TMP/work/demo.out" ||
    fail "the installed demo did not speak Spanish: its catalogue was not found"
[ -s "$TMP/work/demo/demo.pdf" ] || grep -q "Sin hoja en PDF" "$TMP/work/demo.out" ||
    fail "the installed demo neither made demo.pdf nor said why"
ok "from the moved prefix, the clone hidden: a run by name, the process backend, the Spanish demo"

make -s -C "$ROOT" uninstall PREFIX="$prefix" >"$TMP/uninstall.log" 2>&1 ||
    { cat "$TMP/uninstall.log"; fail "make uninstall failed"; }
left=$(find "$prefix" -type f | head -5)
[ -z "$left" ] || fail "make uninstall left: $left"
ok "make uninstall removed every file it installed"
# pvbench-test: alone (make install in the tree)
