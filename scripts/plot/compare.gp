# compare.gp - template of the `pvbench compare` chart: the change of the median of each
# config / workload / metric, NEW against BASE, as a horizontal bar, with its bootstrap 95%
# interval as an error bar. Red: regression, green: improvement, grey: no change or too few
# samples to tell. Dashed lines: the threshold (block 1 of the data file).
#
# pvbench fills the placeholders and writes the result as compare.gp beside compare.dat;
# to draw it again, run `gnuplot compare.gp` in that folder.
#
# Data columns (block 0): index, "label", change %, interval low %, interval high %,
# verdict (0 no change, 1 regression, 2 improvement, 3 insufficient samples).

reset session
set terminal {{TERMINAL}} size {{SIZE}} font 'sans,9' noenhanced
set output '{{OUTPUT}}'
set encoding utf8

DATA = '{{DATA}}'
# Sizes in pixels, as pngcairo draws them (the svg terminal's text is smaller): a point is
# 4/3 pixel, a digit about 0.64 of the font's size, a letter about 0.58; a character cell is
# 8 pixels wide at 9 pt.
PX(pt) = pt * 4.0 / 3
CW(pt) = 0.64 * PX(pt)
LW(pt) = 0.58 * PX(pt)
HCELL = 8.0
MAX(a, b) = a > b ? a : b
MIN(a, b) = a < b ? a : b

# The row labels' column: as wide as the longest label, at most 55% of the chart; a longer
# label is cut, an ellipsis at its end.
LMAX = 0
stats DATA index 0 using (LMAX = MAX(strlen(strcol(2)), LMAX), $3) nooutput
LABELPX = MIN(LMAX * LW(9) + 12, 0.55 * {{WIDTH}})
LABELCHARS = int((LABELPX - 12) / LW(9))
CUT(s, n) = strlen(s) <= n ? s : (n < 2 ? '…' : s[1:n - 1] . '…')

# The change axis holds every interval and both threshold lines.
stats DATA index 0 using 4 nooutput
XLO = STATS_min
stats DATA index 0 using 5 nooutput
XHI = STATS_max
stats DATA index 1 using 1 nooutput
XLO = MIN(MIN(XLO, STATS_min), 0)
XHI = MAX(MAX(XHI, STATS_max), 0)
XHI = XHI > XLO ? XHI : XLO + 1
PAD = (XHI - XLO) * 0.05
XLO = XLO - PAD
XHI = XHI + PAD
PLOTPX = {{WIDTH}} - LABELPX - 3 * HCELL
# Tick labels with SI prefixes (1.5k, 2M): short on any range.
SI(v) = abs(v) >= 1e9 ? sprintf('%gG', v / 1e9) : abs(v) >= 1e6 ? sprintf('%gM', v / 1e6) : \
        abs(v) >= 1e3 ? sprintf('%gk', v / 1e3) : sprintf('%g', v)
# The 1-2-5 step at or above r.
NICE(r) = (NICE_E = 10 ** floor(log10(r)), NICE_F = r / NICE_E, \
           (NICE_F <= 1.0001 ? 1 : NICE_F <= 2.0001 ? 2 : NICE_F <= 5.0001 ? 5 : 10) * NICE_E)
# The longest label of the ticks k * s, k from k0 to k1.
TLEN(s, k0, k1) = k0 > k1 ? 0 : MAX(strlen(SI(k0 * s)), TLEN(s, k0 + 1, k1))
# From s on, the first 1-2-5 step at which each tick label stands one and a half digits
# from the next.
HSTEP(s) = s * PLOTPX / (XHI - XLO) >= (TLEN(s, ceil(XLO / s), floor(XHI / s)) + 1.5) * CW(9) \
           ? s : HSTEP(NICE(s * 1.001))
XSTEP = HSTEP(NICE((XHI - XLO) / 40))

# The title centred on the chart (over the plot it could run off a side).
set label 2 '{{TITLE}}' at screen 0.5, screen 1 center offset 0, -1.2 font 'sans,10'
set tmargin 3
set xlabel '{{YLABEL}}'
set label 1 '{{CAPTION}}' at character 1, character 1 left font 'sans,8'
set bmargin 5
set lmargin at screen LABELPX / {{WIDTH}}
set rmargin 3

set key off
set border 3
set xrange [XLO:XHI]
set xtics nomirror ()
do for [k = ceil(XLO / XSTEP):floor(XHI / XSTEP)] { set xtics add (SI(k * XSTEP) k * XSTEP) }
set ytics nomirror scale 0
set grid xtics lc rgb '#dddddd'
# The zero line: vertical (the rows sit on y = 0, 1, ..., so no xzeroaxis).
set arrow 1 from first 0, graph 0 to first 0, graph 1 nohead lc rgb '#333333' front
# First row at the top; the range covers every bar and the threshold lines.
set yrange [*:*] reverse
set autoscale yfix
set offsets 0, 0, 0.5, 0.5

set style fill solid 0.85 noborder
verdict_colour(v) = (v == 1) ? 0xd62728 : (v == 2) ? 0x2ca02c : 0xa8a8a8

plot DATA index 0 using ($3 / 2):1:(abs($3) / 2):(0.35):(verdict_colour($6)): \
         ytic(CUT(strcol(2), LABELCHARS)) \
         with boxxyerror lc rgb variable, \
     '' index 0 using 3:1:4:5 with xerrorbars lc rgb '#222222' pt 7 ps 0.4, \
     '' index 1 using 1:2 with lines dt 2 lw 1 lc rgb '#555555'
