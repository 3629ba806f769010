# Ctrl-C (SIGINT) mid-run stops the guests, removes scratch disks and keeps the
# samples; --resume measures only the missing cells, and the final set of cells
# is the full one.
. "$(dirname "$0")/lib.sh"
need_guest
scn=$(write_scenario ir "virtio-blk, ide" "randread, seqread" "repetitions = 2")
out="$TMP/run"
interrupt_after_first_sample "$out" "$TMP/out1" 900 "$PVBENCH" run --accel tcg -o "$out" "$scn"
before=$(grep -c ',iops,' "$out/samples.csv")
[ "$before" -ge 1 ] && [ "$before" -lt 8 ] || fail "expected a partial run, found $before iops samples"
ok "interrupted with $before of 8 cells measured"

"$PVBENCH" run --accel tcg --resume "$out" >"$TMP/out2" 2>&1; rc=$?
cat "$TMP/out2"
[ $rc -eq 0 ] || fail "resume exited $rc"
cells=$(awk -F, '$6 == "iops" { print $1, $5, $8 }' "$out/samples.csv" | sort)
expect=$(for d in virtio-blk ide; do for w in randread seqread; do for r in 1 2; do echo "$d $w $r"; done; done; done | sort)
[ "$cells" = "$expect" ] || fail "cells after resume differ: $cells"
dups=$(awk -F, '$6 == "iops" { print $1, $5, $8 }' "$out/samples.csv" | sort | uniq -d)
[ -z "$dups" ] || fail "cells measured twice: $dups"
ok "resume completed exactly the missing cells"
assert_no_leftovers
