# The live progress line on a terminal is cut to the terminal's width: a run with stderr on a
# pseudo-terminal of 40 and of 200 columns, each line redrawn after "\r\033[K" counted in
# characters (µ is one column). At 40 no line reaches the last column (it would wrap and the
# lines would pile up); at 200 the lines are not cut. COLUMNS is the fallback when the
# terminal gives no size; stderr that is not a terminal keeps whole plain lines.
. "$(dirname "$0")/lib.sh"
need_agent
scn=$(write_scenario width "virtio-blk, ide" "randread, seqwrite" "repetitions = 2" \
    "runtime = 0.2" "warmup = 0.1")

# $1 = columns (0: the pty gives no size), $2 = file for the stderr bytes, then the command.
on_pty() {
    python3 - "$@" <<'PY'
import fcntl, os, pty, struct, sys, termios
cols, dest, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
master, slave = pty.openpty()
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
pid = os.fork()
if pid == 0:
    os.close(master)
    os.dup2(slave, 2)
    os.close(slave)
    os.execvp(argv[0], argv)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: the child closed its end
        break
    if not chunk:
        break
    data += chunk
_, status = os.waitpid(pid, 0)
open(dest, "wb").write(data)
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

# The progress lines in $1 (bytes read from the pty), one per line: the text after each
# "\r\033[K" that is erased again by the next one (a log line after the erase ends in a
# newline instead: it stays, and may be as long as it likes).
progress_lines() {
    python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1], "rb").read().decode("utf-8")
for seg in re.findall(r"\r\x1b\[K([^\r\n]*)(?=\r\x1b\[K|\Z)", text):
    if seg:
        print(seg)
PY
}

# Widest progress line of $1 in characters.
widest() {
    progress_lines "$1" | python3 -c 'import sys; print(max(len(l.rstrip("\n")) for l in sys.stdin))'
}

for cols in 40 200; do
    out="$TMP/run$cols"
    on_pty "$cols" "$TMP/err$cols" "$PVBENCH" run -o "$out" "$scn" >"$TMP/stdout$cols"
    rc=$?
    [ $rc -eq 0 ] || { cat "$TMP/err$cols"; fail "run on a $cols-column pty exited $rc"; }
    n=$(progress_lines "$TMP/err$cols" | wc -l)
    [ "$n" -ge 8 ] || fail "$cols columns: only $n progress lines drawn"
    w=$(widest "$TMP/err$cols")
    echo "$cols columns: $n progress lines, the widest $w characters"
    [ "$w" -lt "$cols" ] || fail "$cols columns: a progress line of $w characters wraps"
done
# At 40 the job lines ("[1/10] virtio-blk  randread  rep 1/2") are cut, at 200 they are not.
[ "$(widest "$TMP/err40")" -eq 39 ] || fail "40 columns: the lines are not cut to 39"
[ "$(widest "$TMP/err200")" -gt 39 ] || fail "200 columns: the lines are cut"
progress_lines "$TMP/err200" >"$TMP/lines200"
grep -q "rep 2/2$" "$TMP/lines200" || fail "200 columns: a job line lost its end"
ok "the progress line fits 40 and 200 columns"

# No size from the terminal: COLUMNS says the width.
COLUMNS=30 on_pty 0 "$TMP/err0" "$PVBENCH" run -o "$TMP/run0" "$scn" >/dev/null ||
    fail "run with COLUMNS=30 failed"
w=$(widest "$TMP/err0")
[ "$w" -eq 29 ] || fail "COLUMNS=30: the widest progress line has $w characters, not 29"
ok "COLUMNS is the width when the terminal gives none"

# stderr not a terminal: plain lines, never cut, no escape sequences.
COLUMNS=30 "$PVBENCH" run -o "$TMP/runplain" "$scn" >/dev/null 2>"$TMP/plain" ||
    fail "run with stderr in a file failed"
grep -q $'\r' "$TMP/plain" && fail "escape or carriage return in plain output"
grep -q '^pvbench: \[[0-9]*/[0-9]*.*\] .* rep 2/2$' "$TMP/plain" ||
    fail "plain progress lines are missing or cut"
ok "plain whole lines when stderr is not a terminal"
