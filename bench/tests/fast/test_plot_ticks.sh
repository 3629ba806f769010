#!/bin/bash
# cpu.gp on a wide range (15 .. 2600 µs): the x tick labels of each panel, read from the SVG
# gnuplot draws, never overlap (issue 17: "1000150020002500" in cpu-net.png).
set -euo pipefail
command -v gnuplot >/dev/null || { echo "skip: no gnuplot"; exit 77; }
here=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
python3 - <<'PY'
vals = [40, 2600, 900, 1800, 15, 2400]
rows = ['%d %g %g %g 0xE69F00 "cfg%d" "emulated" "1.00x" 5' % (i, v, v * .9, v * 1.1, i)
        for i, v in enumerate(vals)]
for name in ('host.dat', 'guest.dat'):
    open(name, 'w').write('# x value low high colour name class note n\n' + '\n'.join(rows) +
                          '\n\n\n# x group sub\n0 "tcp_tx" ""\n3 "tcp_rr" ""\n')
PY
sed -e 's/{{TERMINAL}}/svg/; s/{{SIZE}}/800,400/; s/{{OUTPUT}}/out.svg/; s/{{DATA}}/host.dat/' \
    -e 's/{{DATA2}}/guest.dat/; s/{{TITLE}}/t/; s/{{YLABEL}}/y/; s/{{CAPTION}}/c/' \
    -e 's/{{WIDTH}}/800/; s/{{HEIGHT}}/400/' "${CPU_GP:-$here/scripts/plot/cpu.gp}" >t.gp
gnuplot t.gp
python3 - <<'PY'
import re, sys
svg = open('out.svg').read()
# Each text sits in a <g transform="translate(x,y)">; numeric labels on one row are ticks.
ticks = {}
for x, y, t in re.findall(r'translate\(([\d.]+),([\d.]+)\)[^>]*>\s*<text[^>]*>([^<]*)</text>', svg):
    if re.fullmatch(r'[\d.e+-]+', t):
        ticks.setdefault(y, []).append((float(x), t))
row = max(ticks.values(), key=len)
if len(row) < 4:
    sys.exit('too few x tick labels: %r' % row)
row.sort()
# Centred labels, about 6.5 px a character at 10 pt: neighbours must not touch.
for (x1, t1), (x2, t2) in zip(row, row[1:]):
    if x2 < x1:
        continue
    if x2 - x1 < (len(t1) + len(t2)) / 2 * 6.5 + 4:
        sys.exit('ticks overlap: %s at %.0f, %s at %.0f' % (t1, x1, t2, x2))
print('ok: %d x tick labels, none overlap: %s' % (len(row), ' '.join(t for _, t in row)))
PY
