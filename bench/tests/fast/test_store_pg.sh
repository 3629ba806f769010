# The results store against a real PostgreSQL: a server of our own (initdb and pg_ctl on a
# temporary data folder, its Unix socket in that folder, no TCP), the store's unit suite
# (build/tests/bench/test_store with PVBENCH_TEST_DB) run against it, then pvbench db add,
# list, trend and check through a postgres:/// URI on a process-backend run. The server is
# stopped by its pid afterwards.
. "$(dirname "$0")/lib.sh"
PGBIN=${PVBENCH_PG_BIN:-/usr/lib/postgresql/15/bin}
for b in initdb pg_ctl postgres createdb; do
    [ -x "$PGBIN/$b" ] || skip "no $PGBIN/$b (Debian package postgresql)"
done
SUITE="$ROOT/build/tests/bench/test_store"
[ -x "$SUITE" ] || skip "$SUITE not built (make unit)"
need_agent

# initdb refuses root: the cluster belongs to an unprivileged user (postgres if present).
pg_user=$(id -un)
as_pg() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
    pg_user=postgres
    id "$pg_user" >/dev/null 2>&1 || pg_user=nobody
    as_pg() { runuser -u "$pg_user" -- "$@"; }
fi
chmod 755 "$TMP"
pgdir="$TMP/pg"
mkdir -p "$pgdir"
chown "$pg_user" "$pgdir" 2>/dev/null || true
as_pg "$PGBIN/initdb" -D "$pgdir/data" -U pvbench --auth=trust -E UTF8 >"$TMP/initdb.log" 2>&1 ||
    { cat "$TMP/initdb.log"; fail "initdb failed"; }
server_pid=
stop_server() {
    if [ -n "$server_pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 ||
            stop_pid "$server_pid"
        for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$server_pid" 2>/dev/null && stop_pid "$server_pid"
        echo "stopped postgres (pid $server_pid)"
    fi
    rm -rf "$TMP"
}
trap stop_server EXIT
as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $pgdir -c fsync=off" start >/dev/null ||
    { cat "$pgdir/server.log"; fail "pg_ctl start failed"; }
server_pid=$(head -1 "$pgdir/data/postmaster.pid")
echo "started postgres (pid $server_pid), socket in $pgdir, no TCP"
"$PGBIN/createdb" -h "$pgdir" -U pvbench pvbench_test || fail "createdb failed"
uri="postgres:///pvbench_test?host=$pgdir&user=pvbench"

PVBENCH_TEST_DB="$uri" "$SUITE" || fail "the store suite failed against PostgreSQL"
ok "the store's unit suite passed against PostgreSQL"

# The command line on the same server: a process-backend run added, listed and judged.
scn=$(write_scenario pg "virtio-blk" "randread" "repetitions = 2" "runtime = 0.2" "warmup = 0")
"$PVBENCH" run -o "$TMP/run" "$scn" >"$TMP/run.log" 2>&1 || { cat "$TMP/run.log"; fail "run"; }
"$PVBENCH" db --db "$uri" add --label pg1 "$TMP/run" | tee "$TMP/add" || fail "db add"
grep -q "added" "$TMP/add" || fail "db add did not add"
"$PVBENCH" db --db "$uri" add "$TMP/run" | grep -q "already there" || fail "second add not a no-op"
"$PVBENCH" db --db "$uri" list | tee "$TMP/list"
grep -q "pg1" "$TMP/list" || fail "db list lacks the run"
"$PVBENCH" trend --db "$uri" --metric iops | grep -q "virtio-blk randread iops" || fail "trend"
"$PVBENCH" check --db "$uri" pg1 | tee "$TMP/check"
grep -q "not judged" "$TMP/check" || fail "check on one run should judge nothing"
id=$(json_get "$TMP/run/run.json" run_id)
"$PVBENCH" db --db "$uri" rm "$id" | grep -q "removed run $id" || fail "db rm"
ok "pvbench db, trend and check through $uri"
