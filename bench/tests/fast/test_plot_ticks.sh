#!/bin/bash
# Every chart template (scripts/plot/*.gp) drawn by gnuplot on hard data: values from 1 to
# 1e6, long configuration and workload names, many rows. In the SVG gnuplot draws, and in
# an SVG laid out as pngcairo lays out the PNG, no two labels overlap, none leaves the
# canvas and every axis of numbers has its tick labels (issue 17: "1000150020002500" in
# cpu-net.png). PVBENCH_PLOT_KEEP=DIR keeps the PNGs, SVGs and data there to look at.
set -euo pipefail
command -v gnuplot >/dev/null || { echo "skip: no gnuplot"; exit 77; }
here=$(cd "$(dirname "$0")/../../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

# The data files, in the formats plot.c, compare.c and history_cli.c write; one line per
# chart in cases: name template width height data data2 (heights as report.c and compare.c
# size them).
python3 - <<'PY'
import math

cases = []
LONG = ['e1000e-with-a-long-name', 'virtio-net-pci-multiqueue', 'rtl8139', 'vhost-user-net-x',
        'vmxnet3-custom-config', 'virtio-net-2q']
WL = ['tcp_stream_tx_bulk', 'tcp_rr', 'udp_pps', 'randread_4k_qd32', 'seqwrite_1m', 'randrw']


def rows_height(nb, ng):
    return max(330, 170 + 26 * nb + 14 * ng)


def bars_size(name, nb, ng, height, longest):
    """report_bars_size: 24 pixels a bar or more, taller for names past 12 characters"""
    w = min(4000, max(800, int(130 + 24 * (nb + 0.7 * (ng - 1) + 1.4))))
    cases.append((name, 'bars', w, height + 6 * max(0, longest - 12), name + '.dat', ''))


def bars(path, groups, names, value, sub=lambda g: ''):
    """block 0: x value low high colour name class note n; block 1: x group sub"""
    rows, grows, x = [], [], 0.0
    for gi, g in enumerate(groups):
        first = x
        for j, n in enumerate(names):
            v, ref = value(gi, j), value(gi, 0)
            r = v / ref
            note = '' if j == 0 else '%.*f×%s' % (0 if r >= 99.5 else 1 if r >= 9.995 else 2,
                                                   r, ' *' if j % 2 else '')
            rows.append('%g %.6g %.6g %.6g 0x%s "%s" "%s" "%s" 5' % (
                x, v, v * .9, v * 1.1, 'E69F00' if j == 0 else '0072B2', n,
                'emulated' if j == 0 else 'paravirtual', note))
            last = x
            x += 1
        grows.append('%g "%s" "%s"' % ((first + last) / 2, g, sub(g)))
        x += 0.7
    open(path, 'w').write('# block 0\n' + '\n'.join(rows) + '\n\n\n# block 1\n' +
                          '\n'.join(grows) + '\n')
    return len(groups) * len(names), len(groups)


WIDE = [1, 1e6, 3500, 250000, 42, 900000, 7, 12, 1e5, 3e5, 2, 60, 5e5, 8, 77, 1234, 99999, 3]


def wide(gi, j):
    return WIDE[(gi * 7 + j * 5) % len(WIDE)]


# bars: few wide bars; many bars; many groups of two; one group of tiny values (boot to
# ready, in seconds)
bars_size('bars-wide', *bars('bars-wide.dat', WL[:3], LONG[:4], wide), 480, 23)
bars_size('bars-many', *bars('bars-many.dat', WL, LONG, wide), 480, 25)
bars_size('bars-pairs', *bars('bars-pairs.dat', WL + [w + '_2' for w in WL], ['ide', 'nvme'],
                              wide), 480, 4)
bars_size('bars-boot', *bars('bars-boot.dat', ['block devices'], LONG,
                             lambda g, j: 0.00201 + 0.0007 * j), 420, 25)
# cpu: two panels, host and guest, the same rows
for name, groups, names in (('cpu-wide', WL[:3], LONG[:4]), ('cpu-many', WL, LONG)):
    nb, ng = bars(name + '-host.dat', groups, names, wide)
    bars(name + '-guest.dat', groups, names, lambda g, j: wide(g, j + 1) * 3)
    cases.append((name, 'cpu', 800, rows_height(nb, ng), name + '-host.dat', name + '-guest.dat'))
nb, ng = bars('cpu-us-host.dat', ['tcp_tx', 'tcp_rr'], ['a', 'b', 'c'],
              lambda g, j: [40, 2600, 900, 1800, 15, 2400][g * 3 + j])
bars('cpu-us-guest.dat', ['tcp_tx', 'tcp_rr'], ['a', 'b', 'c'],
     lambda g, j: [40, 2600, 900, 1800, 15, 2400][g * 3 + j])
cases.append(('cpu-us', 'cpu', 800, rows_height(nb, ng), 'cpu-us-host.dat', 'cpu-us-guest.dat'))
# speedup: ratios from 1/1000 to 10000; ratios near 1; many rows
RATIOS = [0.001, 1000, 0.5, 50, 1.02, 0.97, 300, 2, 10000, 0.01, 7, 1.3]
for name, groups, names, value in (
        ('speedup-wide', WL[:3], LONG[1:5], lambda g, j: RATIOS[(g * 4 + j) % len(RATIOS)]),
        ('speedup-near', WL[:4], LONG[1:5], lambda g, j: 0.9 + 0.03 * ((g * 4 + j) % 8)),
        ('speedup-many', WL, LONG[1:], lambda g, j: RATIOS[(g * 5 + j) % len(RATIOS)])):
    nb, ng = bars(name + '.dat', groups, names, value, lambda g: 'throughput_mib_s')
    cases.append((name, 'speedup', 800, rows_height(nb, ng), name + '.dat', ''))
# latency: one block per configuration, p50 .. p99.9, from 1 to 1e6 µs
blocks = []
for ci, n in enumerate(LONG):
    b = ['"%s" x label value low high colour' % n]
    for k, (lab, v) in enumerate((('p50', 1), ('p90', 30), ('p99', 5000), ('p99.9', 1e6))):
        v *= 1 + ci * 0.4
        b.append('%d "%s" %.6g %.6g %.6g 0x%s' % (k, lab, v, v * .9, v * 1.1,
                                                  'E69F00' if ci % 2 else '0072B2'))
    blocks.append('\n'.join(b))
open('latency.dat', 'w').write('\n\n\n'.join(blocks) + '\n')
cases.append(('latency', 'latency', 800, 440, 'latency.dat', ''))
# compare: index "label" change low high verdict; block 1: the threshold lines
for name, changes in (('compare-wide', [-95, 3000, 12, -40, 250, 0.5]),
                      ('compare-huge', [-99.9, 1e6, 2, 45000, -50, 7])):
    n = 30
    rows = ['%d "%s %s: Mean latency per operation" %g %g %g %d' % (
        i, LONG[i % 6] + '-%d' % i, WL[i % 6], c, c - abs(c) * .3 - 1, c + abs(c) * .3 + 1,
        i % 4) for i, c in ((i, changes[i % 6]) for i in range(n))]
    open(name + '.dat', 'w').write('# compare\n' + '\n'.join(rows) +
                                   '\n\n\n# threshold lines\n-50 -0.5\n-50 %d.5\n\n'
                                   '50 -0.5\n50 %d.5\n' % (n - 1, n - 1))
    cases.append((name, 'compare', 800, 150 + 22 * n, name + '.dat', ''))
# trend: point median low high "label"; segments; change points. Run start times (the big
# chart), numbers (the small multiples of history-report), a few QEMU versions.
for name, n, label, w, h in (('trend-time', 40, lambda i: '2026-%02d-%02dT12:%02d:07Z' %
                              (i % 12 + 1, i % 28 + 1, i), 900, 420),
                             ('trend-small', 40, lambda i: '%d' % (i + 1), 380, 260),
                             ('trend-qemu', 6, lambda i: '%d.%d.0' % (7 + i // 2, i % 2),
                              900, 420)):
    rows = ['%d %.9g %.9g %.9g "%s"' % (i + 1, v, v * .9, v * 1.1, label(i))
            for i, v in ((i, 1.5 if i < n // 2 else 1.2e6 + 1000 * (i % 3)) for i in range(n))]
    half = n // 2 + 0.5
    open(name + '.dat', 'w').write(
        '# trend\n' + '\n'.join(rows) + '\n\n\n# segment medians\n0.5 1.5\n%g 1.5\n\n'
        '%g 1.2e6\n%g 1.2e6\n\n\n# change points\n%g 1.35\n%g 1.32e6\n\n' %
        (half, half, n + 0.5, half, half))
    cases.append((name, 'trend', w, h, name + '.dat', ''))
open('cases', 'w').write('\n'.join(' '.join(map(str, c)) for c in cases) + '\n')
PY

# pngcairo's character cell is wider than the svg terminal's at the same size: the font
# size at which svg lays out a chart as pngcairo does (gnuplot places text in cells).
cell() {
    gnuplot -e "set terminal $1 font '$2'; set output '/dev/null'; plot [0:1][0:1] NaN notitle; \
                print GPVAL_TERM_HCHAR * 1.0 / GPVAL_TERM_SCALE" 2>&1
}
declare -A model
for t in "$here"/scripts/plot/*.gp; do
    font=$(sed -n "s/^set terminal .* font '\([^']*\)'.*/\1/p" "$t")
    size=${font##*,}
    model[$(basename "$t" .gp)]="$font $(awk -v p="$(cell pngcairo "$font")" \
        -v s="$(cell svg "$font")" -v z="$size" 'BEGIN { printf "%.2f", z * p / s }')"
done

fails=0
while read -r name tmpl w h data data2; do
    font=${model[$tmpl]% *} modelsize=${model[$tmpl]##* }
    fontname=${font%,*} size=${font##*,}
    for term in svg model pngcairo; do
        case $term in
            svg) out=$name.svg ;;
            model) out=$name-png.svg ;;
            pngcairo) out=$name.png ;;
        esac
        sed -e "s/{{TERMINAL}}/${term/model/svg}/; s/{{SIZE}}/$w,$h/; s/{{OUTPUT}}/$out/" \
            -e "s/{{DATA}}/$data/; s/{{DATA2}}/${data2:-$data}/" \
            -e "s/{{TITLE}}/CPU time per Mbit or transaction, network devices/" \
            -e "s/{{YLABEL}}/Throughput (Mbit\/s)/; s/{{CAPTION}}/accelerator tcg · run 1234/" \
            -e "s/{{WIDTH}}/$w/; s/{{HEIGHT}}/$h/" "$here/scripts/plot/$tmpl.gp" >"$out.gp"
        if [ $term = model ]; then
            sed -i "/^set terminal/s/font '$fontname,$size'/font '$fontname,$modelsize'/" "$out.gp"
        fi
        gnuplot "$out.gp" || { echo "FAIL: gnuplot $tmpl.gp on $name"; fails=$((fails + 1)); }
    done
    python3 "$here/bench/tests/fast/plot-labels.py" "$name.svg" || fails=$((fails + 1))
    python3 "$here/bench/tests/fast/plot-labels.py" --png-model "$modelsize" --default-pt "$size" \
        "$name-png.svg" || fails=$((fails + 1))
done <cases
if [ -n "${PVBENCH_PLOT_KEEP:-}" ]; then
    mkdir -p "$PVBENCH_PLOT_KEEP"
    cp ./*.png ./*.svg ./*.dat ./*.gp "$PVBENCH_PLOT_KEEP"/
fi
[ $fails -eq 0 ] || { echo "FAIL: $fails chart check(s)"; exit 1; }
echo "ok: every template, every case: labels apart, on the canvas, ticks on every axis"
