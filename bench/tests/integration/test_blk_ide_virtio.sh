# Boot real ide and virtio-blk guests under TCG, run short jobs, check the run folder.
. "$(dirname "$0")/lib.sh"
need_guest
scn=$(write_scenario blk "ide, virtio-blk" "randread, seqwrite, randread_qd1" "warmup_jobs = 1")
out="$TMP/run"
"$PVBENCH" run --accel tcg -o "$out" "$scn" >"$TMP/stdout" 2>"$TMP/stderr"
rc=$?
cat "$TMP/stdout" "$TMP/stderr"
[ $rc -eq 0 ] || fail "pvbench run exited $rc"

for f in run.json samples.csv summary.csv summary.json scenario.ini logs; do
    [ -e "$out/$f" ] || fail "missing $f in the run folder"
done
ok "run folder complete"

head -1 "$out/samples.csv" | grep -qx 'config,device,class,kind,workload,metric,unit,rep,value,host,boot' ||
    fail "samples.csv header"
head -1 "$out/summary.csv" |
    grep -qx 'config,device,class,kind,workload,metric,unit,n,median,ci95_low,ci95_high,host' ||
    fail "summary.csv header"
# One host: configurations keep the device's name, the host column names this machine.
[ "$(csv_values "$out/samples.csv" host ide randread iops | sort -u)" = \
    "$(hostname | tr -c 'A-Za-z0-9._\n-' '-' | cut -c1-32)" ] || fail "host column"
grep -q '"accelerator"' "$out/run.json" && grep -q '"name":"tcg"\|"name": "tcg"' "$out/run.json" ||
    fail "accelerator not recorded as tcg"
grep -q '"qemu_version": *"QEMU emulator' "$out/run.json" || fail "qemu version missing"
grep -q '"guest_kernel": *"6\.' "$out/run.json" || fail "guest kernel missing"
ok "run.json has accelerator, qemu and guest kernel"
# each configuration's QEMU command line (as run -n prints it) and libvirt element
python3 - "$out/run.json" <<'PY' || fail "run.json lacks a configuration's qemu_command or libvirt_dut"
import json, sys
want = {"ide": ("-device ide-hd", "<target dev='hda' bus='ide'/>"),
        "virtio-blk": ("-device virtio-blk-pci", "<target dev='vda' bus='virtio'/>")}
for c in json.load(open(sys.argv[1]))["configs"]:
    dev, xml = want[c["device"]]
    assert dev in c["qemu_command"] and c["qemu_command"].startswith("qemu-system"), c
    assert c["libvirt_dut"] == xml, c
PY
ok "run.json has each configuration's QEMU command line and libvirt element"

metrics="throughput_mib_s iops lat_mean_us lat_p50_us lat_p99_us lat_p999_us guest_cpu_pct host_cpu_us_per_op irqs_per_op"
for dev in ide virtio-blk; do
    for wl in randread seqwrite randread_qd1; do
        for m in $metrics; do
            vals=$(csv_values "$out/samples.csv" value "$dev" "$wl" "$m")
            n=$(echo "$vals" | grep -c .)
            [ "$n" -eq 2 ] || fail "$dev $wl $m: $n samples, expected 2"
            for v in $vals; do
                awk -v v="$v" 'BEGIN { exit !(v > 0) }' || fail "$dev $wl $m: value $v not > 0"
            done
        done
        # plausibility: p50 <= p99 <= p99.9, IOPS x bs consistent with MiB/s
        p50=$(csv_values "$out/summary.csv" median "$dev" "$wl" lat_p50_us)
        p99=$(csv_values "$out/summary.csv" median "$dev" "$wl" lat_p99_us)
        p999=$(csv_values "$out/summary.csv" median "$dev" "$wl" lat_p999_us)
        awk -v a="$p50" -v b="$p99" -v c="$p999" 'BEGIN { exit !(a <= b && b <= c) }' ||
            fail "$dev $wl percentiles out of order: $p50 $p99 $p999"
    done
    iops=$(csv_values "$out/summary.csv" median "$dev" randread iops)
    mib=$(csv_values "$out/summary.csv" median "$dev" randread throughput_mib_s)
    awk -v i="$iops" -v m="$mib" 'BEGIN { r = i * 4096 / 1048576 / m; exit !(r > 0.98 && r < 1.02) }' ||
        fail "$dev randread: IOPS $iops and MiB/s $mib disagree for 4 KiB blocks"
    awk -v i="$iops" 'BEGIN { exit !(i > 50 && i < 5000000) }' || fail "$dev randread IOPS $iops implausible"
    boot=$(csv_values "$out/samples.csv" value "$dev" boot boot_to_ready_s)
    awk -v b="$boot" 'BEGIN { exit !(b > 0.1 && b < 60) }' || fail "$dev boot_to_ready_s $boot"
done
ok "every metric present, positive and plausible for ide and virtio-blk"

grep -q '"guest_driver": *"ata_piix"' "$out/run.json" || fail "ide guest driver not ata_piix"
grep -q '"guest_driver": *"virtio_blk"' "$out/run.json" || fail "virtio-blk guest driver not virtio_blk"
ok "guest drivers recorded"
grep -q 'x vs ide' "$TMP/stdout" || fail "terminal table lacks the ratio column"
assert_no_leftovers
