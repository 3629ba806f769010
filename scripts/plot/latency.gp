# pvbench chart template: latency percentiles per configuration, log scale.
#
# pvbench copies this file to <run>/plots/<chart>.gp, filling in the placeholders (NAME in
# double braces; string values are already quoted for use inside '...'), and runs gnuplot
# in plots/. Edit the copy and run `gnuplot <chart>.gp` there to redraw by hand.
#
# Data file: one block per configuration; its first row is the title, then one row per
# percentile: x "label" value low high colour

# Each script stands alone, also when run one after the other: `gnuplot *.gp`.
reset session
set terminal {{TERMINAL}} size {{SIZE}} font 'DejaVu Sans,10' noenhanced background rgb 'white'
set output '{{OUTPUT}}'
set encoding utf8

DATA = '{{DATA}}'
TITLE = '{{TITLE}}'
YLABEL = '{{YLABEL}}'
CAPTION = '{{CAPTION}}'
NOTE = 'points: median over the repetitions; bars: 95% interval; lower is better'

stats DATA using 1 nooutput
NSERIES = STATS_blocks
XMAX = STATS_max
stats DATA using 4 nooutput
YMIN = STATS_min > 0 ? STATS_min : 0.1
stats DATA using 5 nooutput
YMAX = STATS_max > YMIN ? STATS_max : YMIN * 10
# The longest configuration name (each block's first row), for the legend's columns.
LMAX = 0
stats DATA using (LMAX = (strcol(2) eq 'x' && strlen(strcol(1)) > LMAX ? \
                          strlen(strcol(1)) : LMAX), 0) nooutput

# Sizes in pixels, as pngcairo draws them (the svg terminal's text is smaller): a point is
# 4/3 pixel; a character cell is 8 x 15.5 pixels at 10 pt.
PX(pt) = pt * 4.0 / 3
HCELL = 8.0
VCELL = 15.5
# The legend under the plot: as many columns as fit, rows below one another.
KEYCOLS = floor(({{WIDTH}} - 15 * HCELL) / ((LMAX + 7) * HCELL))
KEYCOLS = KEYCOLS < 1 ? 1 : KEYCOLS
KEYROWS = ceil(NSERIES * 1.0 / KEYCOLS)
BMARGIN = 7 + KEYROWS * 1.1
PLOTH = {{HEIGHT}} - VCELL * (4 + BMARGIN)

# y ticks on the log scale: the finest ladder whose labels stand one and a half lines apart
# (a ladder: the mantissas of the ticks in a decade, on every decade or every 2 or 3), with
# SI prefixes (1k, 10M): short on any range. Minor ticks at 2 .. 9 of a decade when the
# ticks are decades.
YLO = YMIN / 1.25
YHI = YMAX * 1.25
TICKLABEL(v) = v >= 1e6 ? sprintf('%gM', v / 1e6) : v >= 1e3 ? sprintf('%gk', v / 1e3) : \
               sprintf('%g', v)
array LADDER[8] = ['1 1.2 1.5 2 2.5 3 4 5 6 8', '1 1.5 2 3 5 7', '1 2 5', '1 3', \
                   '1', '1', '1', '1']
array LADDERDEC[8] = [1, 1, 1, 1, 1, 2, 3, 5]
array TV[400]
NT = 0
do for [L = 1:8] {
    FITS = 1
    NT = 0
    PREVPX = -1e9
    do for [d = floor(log10(YLO)):ceil(log10(YHI))] {
        if (d % LADDERDEC[L] == 0) {
            do for [w = 1:words(LADDER[L])] {
                V = word(LADDER[L], w) * 10.0 ** d
                if (V >= YLO && V <= YHI && NT < 400) {
                    P = log(V / YLO) / log(YHI / YLO) * PLOTH
                    if (P - PREVPX < 1.5 * PX(10)) { FITS = 0 }
                    PREVPX = P
                    NT = NT + 1
                    TV[NT] = V
                }
            }
        }
    }
    CHOSEN = L
    if (FITS) { break }
}
set ytics ()
do for [k = 1:NT] { set ytics add (TICKLABEL(TV[k]) TV[k]) }
if (CHOSEN >= 5) {
    do for [d = floor(log10(YLO)):ceil(log10(YHI))] {
        do for [m = 2:9] {
            V = m * 10.0 ** d
            if (V >= YLO && V <= YHI) { set ytics add ('' V 1) }
        }
    }
}

set label 997 TITLE at screen 0.5, screen 1 center offset 0, -1.1 font ',12'
set label 996 NOTE at screen 0.5, screen 1 center offset 0, -2.5 font ',9' textcolor rgb '#444444'
set tmargin 4
set bmargin BMARGIN
set lmargin 12
set rmargin 3
set ylabel YLABEL
set xlabel 'percentile'
set logscale y
set yrange [YLO:YHI]
set xrange [-0.3:XMAX + 0.3]
set border 3
set grid ytics mytics lc rgb '#e4e4e4'
set xtics nomirror scale 0
set ytics nomirror
set key at screen 0.5, character 3.4 + KEYROWS * 1.1 center top horizontal \
    maxcols KEYCOLS reverse Left samplen 2.5 width 1 font ',9'
set label 999 CAPTION at character 1, character 2 left font ',8' textcolor rgb '#555555'

# One line per configuration: orange tones for emulated devices, blue for paravirtual ones.
plot for [i=0:NSERIES-1] DATA index i using 1:3:4:5:6:xtic(2) with yerrorlines \
         lc rgb variable lw 2 pt 7 ps 0.8 title columnheader(1)
