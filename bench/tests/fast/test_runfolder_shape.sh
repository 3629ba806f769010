# The run folder of a fixed scenario through the process backend has the same files, CSV
# headers, .dat column comments, JSON keys and metric rows as the checked-in listing
# (bench/tests/fixtures/runfolder-shape-*.txt, made by runfolder-shape.py): a refactor of
# the run loop or of a writer that changes the shape fails here. When a change of the
# shape is meant, regenerate the listings and commit them with it:
#   bash bench/tests/fast/test_runfolder_shape.sh --write
# The disk scenario needs nothing but the build; the full one (net configurations and the
# bare-host baseline) needs root for its namespaces and fio on the host.
. "$(dirname "$0")/lib.sh"
need_agent
command -v python3 >/dev/null || skip "python3 missing (the listing reads the JSON files)"
FIX="$ROOT/bench/tests/fixtures"
write=${1:-}

# The listing, without the .png files when gnuplot cannot draw them here.
shape() {
    python3 "$ROOT/bench/tests/fast/runfolder-shape.py" "$1" |
        if command -v gnuplot >/dev/null; then cat; else grep -v '^file .*\.png$'; fi
}

check_shape() {
    local name=$1 out="$TMP/run-$1" rc
    "$PVBENCH" run -o "$out" "$FIX/runfolder-shape-$name.ini" >"$TMP/out-$name" 2>&1
    rc=$?
    cat "$TMP/out-$name"
    [ $rc -eq 0 ] || fail "$name: pvbench run exited $rc"
    if [ "$write" = --write ]; then
        python3 "$ROOT/bench/tests/fast/runfolder-shape.py" "$out" >"$FIX/runfolder-shape-$name.txt"
        ok "$name: wrote $FIX/runfolder-shape-$name.txt"
        return
    fi
    shape "$out" >"$TMP/shape-$name"
    if command -v gnuplot >/dev/null; then
        cp "$FIX/runfolder-shape-$name.txt" "$TMP/expect-$name"
    else
        grep -v '^file .*\.png$' "$FIX/runfolder-shape-$name.txt" >"$TMP/expect-$name"
    fi
    diff -u "$TMP/expect-$name" "$TMP/shape-$name" ||
        fail "$name: the run folder's shape changed (- expected, + now); if meant: $0 --write"
    ok "$name: $(wc -l <"$TMP/shape-$name") facts of the run folder as expected"
}

check_shape blk
if [ "$(id -u)" -ne 0 ] || [ ! -c /dev/net/tun ] || ! command -v ip >/dev/null ||
    ! command -v fio >/dev/null; then
    echo "the full scenario is not checked: needs root, /dev/net/tun, ip(8) and fio"
else
    check_shape full
fi
assert_no_leftovers
