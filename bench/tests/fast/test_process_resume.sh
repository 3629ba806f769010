# Ctrl-C (SIGINT) mid-run through the process backend: the agents are stopped, the scratch
# disks removed, the samples kept (exit 3); --resume measures only the missing cells and
# keeps the old ones unchanged.
. "$(dirname "$0")/lib.sh"
need_agent
scn=$(write_scenario ir "virtio-blk, ide" "randread, seqread" "repetitions = 3" \
    "runtime = 0.3" "warmup = 0.1")
out="$TMP/run"
interrupt_after_first_sample "$out" "$TMP/out1" 150 "$PVBENCH" run -o "$out" "$scn"
before=$(grep -c ',iops,' "$out/samples.csv")
[ "$before" -ge 1 ] && [ "$before" -lt 12 ] || fail "expected a partial run, found $before iops samples"
grep ',iops,' "$out/samples.csv" | sort >"$TMP/old"
ok "interrupted with $before of 12 cells measured"

"$PVBENCH" run --resume "$out" >"$TMP/out2" 2>&1; rc=$?
cat "$TMP/out2"
[ $rc -eq 0 ] || fail "resume exited $rc"
cells=$(awk -F, '$6 == "iops" { print $1, $5, $8 }' "$out/samples.csv" | sort)
expect=$(for d in virtio-blk ide; do for w in randread seqread; do for r in 1 2 3; do
    echo "$d $w $r"; done; done; done | sort)
[ "$cells" = "$expect" ] || fail "cells after resume differ: $cells"
dups=$(awk -F, '$6 == "iops" { print $1, $5, $8 }' "$out/samples.csv" | sort | uniq -d)
[ -z "$dups" ] || fail "cells measured twice: $dups"
kept=$(grep ',iops,' "$out/samples.csv" | sort | comm -23 "$TMP/old" -)
[ -z "$kept" ] || fail "samples of the first run changed or lost: $kept"
ok "resume completed exactly the missing cells and kept the $before old ones"
assert_no_leftovers
