# Real TCG guests (ide, virtio-blk; rtl8139, virtio-net with tcp_rr): QEMU's CPU of each job by
# thread role adds up to the process's own CPU per operation, and TCG's vCPU threads carry it.
. "$(dirname "$0")/lib.sh"
need_guest

roles="vcpu main io vhost other"

# Every (config, workload, rep) with host_cpu_us_per_op: the roles' sum within 5 % of it (the
# total is read in clock ticks, the threads in nanoseconds) or within one tick per job.
check_split() {
    local out=$1 label=$2
    awk -F, -v roles="$roles" '
        NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
        { k = $idx["config"] " " $idx["workload"] " " $idx["rep"]; m = $idx["metric"]
          v = $idx["value"] }
        m == "host_cpu_us_per_op" { total[k] = v; next }
        m == "iops" || m == "transactions_s" { rate[k] = v; next }
        m ~ /^host_cpu_[a-z]+_us_per_op$/ { sum[k] += v; seen[k]++
          if (m == "host_cpu_vcpu_us_per_op") vcpu[k] = v }
        END {
            n = 0
            for (k in total) {
                n++
                if (!(k in seen)) { print "no split for " k; bad = 1; continue }
                d = sum[k] - total[k]; if (d < 0) d = -d
                if (d > 0.05 * total[k]) {
                    printf "%s: split %.3f us/op, process %.3f us/op\n", k, sum[k], total[k]
                    bad = 1
                }
                if (!(vcpu[k] > 0)) { print k ": no vCPU time under TCG"; bad = 1 }
            }
            if (n == 0) { print "no host_cpu_us_per_op sample"; bad = 1 }
            exit bad
        }' "$out/samples.csv" || fail "$label: the thread split does not add up"
    ok "$label: the thread split adds up to host_cpu_us_per_op for every job"
}

# run_tcg LABEL DEVICES WORKLOADS: a run into $TMP/LABEL, then its split checked
run_tcg() {
    local scn rc
    scn=$(write_scenario "$1" "$2" "$3" "runtime = 1")
    "$PVBENCH" run --accel tcg -o "$TMP/$1" "$scn" >"$TMP/stdout" 2>"$TMP/stderr"
    rc=$?
    cat "$TMP/stdout" "$TMP/stderr"
    [ $rc -eq 0 ] || fail "pvbench run ($1) exited $rc"
    check_split "$TMP/$1" "$1"
}

run_tcg blk "ide, virtio-blk" randread
for m in host_cpu_vcpu_us_per_op host_cpu_main_us_per_op; do
    [ -n "$(csv_values "$TMP/blk/summary.csv" median virtio-blk randread "$m")" ] ||
        fail "summary.csv lacks virtio-blk's $m"
done
ok "summary.csv has the roles"

if [ -c /dev/net/tun ] && command -v ip >/dev/null; then
    run_tcg net "rtl8139, virtio-net" tcp_rr
fi
assert_no_leftovers
