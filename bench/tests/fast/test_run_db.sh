# pvbench run --db: the finished run is added to the store with its --label (its samples
# all there); a failed-configuration run is added with what it measured; a store that cannot
# be opened is a warning, exit 3 instead of 0, and the run folder stays complete.
. "$(dirname "$0")/lib.sh"
need_agent
db="$TMP/runs.db"
scn=$(write_scenario rundb "virtio-blk, ide" "randread" "repetitions = 2" "runtime = 0.2" \
    "warmup = 0")
"$PVBENCH" run -o "$TMP/r1" --db "$db" --label v1 "$scn" >"$TMP/r1.log" 2>&1
rc=$?
cat "$TMP/r1.log"
[ $rc -eq 0 ] || fail "run --db exited $rc"
grep -q -- "--db $db: $TMP/r1 added" "$TMP/r1.log" || fail "run --db does not say the run was added"
"$PVBENCH" db --db "$db" show v1 | tee "$TMP/show"
grep -q "^folder: *$TMP/r1$" "$TMP/show" || fail "db show v1: not the run folder"
n_csv=$(($(wc -l <"$TMP/r1/samples.csv") - 1))
"$PVBENCH" db --db "$db" list | tee "$TMP/list"
grep -q "^1 run in" "$TMP/list" || grep -q "^1 runs in" "$TMP/list" || fail "db list: not 1 run"
n_db=$(sqlite3 "$db" "SELECT COUNT(*) FROM samples") || fail "sqlite3 cannot read $db"
[ "$n_db" = "$n_csv" ] || fail "the store holds $n_db samples, samples.csv $n_csv"

# A configuration that fails: exit 3 as before, and what was measured is in the store.
"$PVBENCH" run -o "$TMP/r2" --db "$db" --label v2 --fault crash@ide --set job_retries=0 "$scn" \
    >"$TMP/r2.log" 2>&1
rc=$?
cat "$TMP/r2.log"
[ $rc -eq 3 ] || fail "run with a crashed configuration exited $rc, not 3"
"$PVBENCH" db --db "$db" show v2 >/dev/null ||
    fail "the failed-configuration run is not in the store"
n2=$(sqlite3 "$db" "SELECT COUNT(*) FROM samples s JOIN runs r ON s.run = r.id \
    WHERE r.label = 'v2' AND s.config = 'virtio-blk'")
[ "$n2" -gt 0 ] || fail "the failed run's measured configuration has no samples in the store"

# A store that cannot be opened: a warning, exit 3, the run folder complete.
printf 'this is not a database, only text that is long enough to fill a header page\n' \
    >"$TMP/bad.db"
cp "$TMP/bad.db" "$TMP/bad.orig"
"$PVBENCH" run -o "$TMP/r3" --db "$TMP/bad.db" "$scn" >"$TMP/r3.log" 2>&1
rc=$?
cat "$TMP/r3.log"
[ $rc -eq 3 ] || fail "run with a broken --db exited $rc, not 3"
grep -q "warning.*--db.*not added" "$TMP/r3.log" || fail "no warning that the run was not added"
cmp -s "$TMP/bad.db" "$TMP/bad.orig" || fail "the broken database was changed"
for f in run.json samples.csv summary.csv report.html; do
    [ -s "$TMP/r3/$f" ] || fail "no $f in the run folder after the db error"
done
"$PVBENCH" db --db "$db" add "$TMP/r3" | grep -q ": added" ||
    fail "the kept folder cannot be added later"
ok "run --db adds the run (also a failed one), a broken store warns and keeps the folder"
