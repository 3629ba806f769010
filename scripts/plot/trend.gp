# trend.gp - template of a `pvbench trend` / `pvbench history-report` chart: one series (a
# configuration x workload x metric on one host class and accelerator) over runs. Blue: each
# run's median with its bootstrap 95% interval. Grey dashes: the median of each segment
# between change points. Red: the change points (the first point of a new segment).
#
# pvbench fills the placeholders and writes the result beside the data file; to draw it
# again, run `gnuplot <name>.gp` in that folder.
#
# Data: block 0: point, median, interval low, interval high, "x label";
#       block 1: the segments' medians as steps; block 2: the change points as vertical lines.

reset session
set terminal {{TERMINAL}} size {{SIZE}} font 'sans,9' noenhanced
set output '{{OUTPUT}}'
set encoding utf8

DATA = '{{DATA}}'
# Sizes in pixels, as pngcairo draws them (the svg terminal's text is smaller): a point is
# 4/3 pixel, a digit about 0.64 of the font's size; a character cell is 8 x 14 pixels at 9 pt.
PX(pt) = pt * 4.0 / 3
CW(pt) = 0.64 * PX(pt)
HCELL = 8.0
VCELL = 14.0
MAX(a, b) = a > b ? a : b
MIN(a, b) = a < b ? a : b
CUT(s, n) = strlen(s) <= n ? s : (n < 2 ? '…' : s[1:n - 1] . '…')

LMAX = 0
stats DATA index 0 using (LMAX = MAX(strlen(strcol(5)), LMAX), $1) nooutput
NPOINTS = STATS_records
stats DATA index 0 using 3 nooutput
YLO = STATS_min
stats DATA index 0 using 4 nooutput
YHI = STATS_max
YR = YHI - YLO > 0 ? YHI - YLO : (abs(YHI) > 0 ? abs(YHI) * 0.2 : 1)
YLO = YLO - 0.08 * YR
YHI = YHI + 0.08 * YR

# The labels under the points: level when each fits its room; short ones (numbers) level
# and only every EVERY-th when not; long ones (dates, versions) turned by 45 degrees, every
# EVERY-th so that they stand a line apart, the margins holding them (cut when longer than
# 45% of the chart's height).
LABELPT = 9
LMARGIN = 10
do for [pass = 1:2] {
    DX = ({{WIDTH}} - (LMARGIN + 2) * HCELL) / NPOINTS
    ROTATE = (LMAX + 1.5) * CW(LABELPT) > DX && LMAX > 4
    EVERY = ROTATE ? ceil((PX(LABELPT) + 3) / (DX * 0.707)) : \
            ceil((LMAX + 1.5) * CW(LABELPT) / DX)
    LCHARS = ROTATE ? MIN(LMAX, int(0.45 * {{HEIGHT}} / (CW(LABELPT) * 0.707))) : LMAX
    LMARGIN = ROTATE ? MAX(10, (LCHARS * CW(LABELPT) * 0.707 - 0.5 * DX + 8) / HCELL) : 10
}
DEPTH = ROTATE ? (LCHARS * CW(LABELPT) + PX(LABELPT)) * 0.707 : PX(LABELPT)
BMARGIN = DEPTH / VCELL + 3.5
PLOTH = {{HEIGHT}} - (BMARGIN + 3) * VCELL

# y ticks at a 1-2-5 step, 32 pixels or more apart, with SI prefixes (1.5k, 2M).
SI(v) = abs(v) >= 1e9 ? sprintf('%gG', v / 1e9) : abs(v) >= 1e6 ? sprintf('%gM', v / 1e6) : \
        abs(v) >= 1e3 ? sprintf('%gk', v / 1e3) : sprintf('%g', v)
NICE(r) = (NICE_E = 10 ** floor(log10(r)), NICE_F = r / NICE_E, \
           (NICE_F <= 1.0001 ? 1 : NICE_F <= 2.0001 ? 2 : NICE_F <= 5.0001 ? 5 : 10) * NICE_E)
YSTEP = NICE((YHI - YLO) * 32 / PLOTH)

# The title centred on the chart.
set label 2 '{{TITLE}}' at screen 0.5, screen 1 center offset 0, -1.2 font 'sans,10'
set tmargin 3
set ylabel '{{YLABEL}}'
set label 1 '{{CAPTION}}' at character 1, character 1 left font 'sans,8'
set bmargin BMARGIN
set lmargin LMARGIN
set rmargin 2

set key off
set border 3
set xtics nomirror scale 0
if (ROTATE) { set xtics rotate by 45 right }
set yrange [YLO:YHI]
set ytics nomirror ()
do for [k = ceil(YLO / YSTEP):floor(YHI / YSTEP)] { set ytics add (SI(k * YSTEP) k * YSTEP) }
set grid ytics lc rgb '#dddddd'
set offsets 0.5, 0.5, 0, 0

XLABEL(i, s) = (i - 1) % EVERY == 0 ? CUT(s, LCHARS) : ''
plot DATA index 0 using 1:2 with lines lc rgb '#9ec5e8' lw 1, \
     '' index 0 using 1:2:3:4:xtic(XLABEL(int($1), strcol(5))) with yerrorbars \
         lc rgb '#1f77b4' pt 7 ps 0.6, \
     '' index 1 using 1:2 with lines lc rgb '#555555' dt 2 lw 2, \
     '' index 2 using 1:2 with lines lc rgb '#d62728' lw 1.5
