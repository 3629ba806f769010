# pvbench chart template: speed-up overview. One bar per workload (and device): how many
# times better than the emulated reference, with the 95% interval of the ratio, on a log
# scale; bars start at 1 (no difference) and go right (better) or left (worse). Bars are
# horizontal so that any number of workloads and devices keeps readable labels.
#
# pvbench copies this file to <run>/plots/<chart>.gp, filling in the placeholders (NAME in
# double braces; string values are already quoted for use inside '...'), and runs gnuplot
# in plots/. Edit the copy and run `gnuplot <chart>.gp` there to redraw by hand.
#
# Data file, block 0 (one row per bar):  x ratio low high colour "name" "class" "note" n
#            block 1 (one row per group): x "workload" "metric the ratio is of"
# (x is the bar's position; here it runs from top to bottom.)

# Each script stands alone, also when run one after the other: `gnuplot *.gp`.
reset session
set terminal {{TERMINAL}} size {{SIZE}} font 'DejaVu Sans,10' noenhanced background rgb 'white'
set output '{{OUTPUT}}'
set encoding utf8

DATA = '{{DATA}}'
TITLE = '{{TITLE}}'
YLABEL = '{{YLABEL}}'
CAPTION = '{{CAPTION}}'
NOTE = 'right of 1: the device does better than the emulated one (ratio of medians, ' . \
       'inverted for latency); 95% interval'
EMULATED = '#E69F00'
PARAVIRTUAL = '#0072B2'
NOISE = '#999999'

array GX[200]
array GNAME[200]
array GSUB[200]
NG = 0
WMAX = 0
stats DATA index 1 using (NG = NG + 1, GX[NG] = $1, GNAME[NG] = strcol(2), \
                          GSUB[NG] = strcol(3), \
                          WMAX = (strlen(strcol(2)) > WMAX ? strlen(strcol(2)) : WMAX), \
                          WMAX = (strlen(strcol(3)) * 0.8 + 2 > WMAX ? \
                                  strlen(strcol(3)) * 0.8 + 2 : WMAX), 0) nooutput
LMAX = 0
stats DATA index 0 using (LMAX = (strlen(strcol(6)) > LMAX ? strlen(strcol(6)) : LMAX), $1) \
      nooutput
POSMAX = STATS_max
NMAX = 0
stats DATA index 0 using (NMAX = (strlen(strcol(8)) > NMAX ? strlen(strcol(8)) : NMAX), $1) \
      nooutput

# Sizes in pixels, as pngcairo draws them (the svg terminal's text is smaller): a point is
# 4/3 pixel, a digit about 0.64 of the font's size, a character cell 8 pixels wide.
PX(pt) = pt * 4.0 / 3
CW(pt) = 0.64 * PX(pt)
HCELL = 8.0
PLOTPX = {{WIDTH}} - (LMAX + WMAX + 7) * HCELL

# The ratio axis holds 1 and every interval, with room on the right for the ratios written
# right of the bars (a share of the plot's width, taken on the log scale).
stats DATA index 0 using 3 nooutput
XLO = (STATS_min < 1 ? STATS_min : 1) / 1.5
stats DATA index 0 using 4 nooutput
XHI = (STATS_max > 1 ? STATS_max : 1) * 1.2
NOTESHARE = (NMAX * CW(9) + 16) / PLOTPX
NOTESHARE = NOTESHARE > 0.6 ? 0.6 : NOTESHARE
XHI = XHI * exp(NOTESHARE * log(XHI / XLO) / (1 - NOTESHARE))

# Ticks: the finest ladder whose labels stand apart (one and a half digits between two). A
# ladder is the mantissas of its ticks in a decade, on every decade or every 2 or 3.
TICKLABEL(v) = (v >= 1e6 ? sprintf('%gM', v / 1e6) : v >= 1e3 ? sprintf('%gk', v / 1e3) : \
                sprintf('%g', v)) . '×'
array LADDER[7] = ['1 1.2 1.5 2 2.5 3 4 5 6 8', '1 1.5 2 3 5 7', '1 2 5', '1 3', '1', '1', '1']
array LADDERDEC[7] = [1, 1, 1, 1, 1, 2, 3]
array TV[400]
NT = 0
do for [L = 1:7] {
    FITS = 1
    NT = 0
    PREVPX = -1e9
    PREVLEN = 0
    do for [d = floor(log10(XLO)) - 1:ceil(log10(XHI))] {
        if (d % LADDERDEC[L] == 0) {
            do for [w = 1:words(LADDER[L])] {
                V = word(LADDER[L], w) * 10.0 ** d
                if (V >= XLO && V <= XHI && NT < 400) {
                    P = log(V / XLO) / log(XHI / XLO) * PLOTPX
                    LEN = strlen(TICKLABEL(V))
                    if (P - PREVPX < (LEN + PREVLEN) / 2.0 * CW(10) + 1.5 * CW(10)) { FITS = 0 }
                    PREVPX = P
                    PREVLEN = LEN
                    NT = NT + 1
                    TV[NT] = V
                }
            }
        }
    }
    if (FITS) { break }
}

set label 997 TITLE at screen 0.5, screen 1 center offset 0, -1.1 font ',12'
set label 996 NOTE at screen 0.5, screen 1 center offset 0, -2.5 font ',9' textcolor rgb '#444444'
set tmargin 4
set bmargin 8
set lmargin LMAX + WMAX + 4
set rmargin 3
set xlabel YLABEL
set logscale x 2
set xrange [XLO:XHI]
set yrange [-(POSMAX + 0.7):0.7]
set xtics ()
do for [k = 1:NT] { set xtics add (TICKLABEL(TV[k]) TV[k]) }
set border 3
set grid xtics lc rgb '#dddddd'
set xtics nomirror
set ytics nomirror scale 0
set style fill solid 0.9 border lc rgb '#333333'
# The legend, drawn by hand (gnuplot's key stacks its entries when the plot is narrow).
set key off
set object 1 rect from screen 0.20, character 3.4 to screen 0.225, character 4.1 \
    fc rgb PARAVIRTUAL fs solid 0.9 border lc rgb '#333333' front noclip
set label 991 'paravirtual' at screen 0.235, character 3.75 left font ',9'
set object 2 rect from screen 0.42, character 3.4 to screen 0.445, character 4.1 \
    fc rgb EMULATED fs solid 0.9 border lc rgb '#333333' front noclip
set label 992 'emulated' at screen 0.455, character 3.75 left font ',9'
set object 3 rect from screen 0.64, character 3.4 to screen 0.665, character 4.1 \
    fc rgb NOISE fs solid 0.9 border lc rgb '#333333' front noclip
set label 993 'within noise' at screen 0.675, character 3.75 left font ',9'
set arrow 1 from first 1, graph 0 to first 1, graph 1 nohead lw 1.5 lc rgb '#333333' front

# Workload names left of their bars, and under each the metric its ratio is of.
do for [i=1:NG] {
    set label 100 + i GNAME[i] at graph 0, first -GX[i] right offset -(LMAX + 1.5), 0.45 \
        font ',10'
    set label 300 + i '(' . GSUB[i] . ')' at graph 0, first -GX[i] right \
        offset -(LMAX + 1.5), -0.55 font ',8' textcolor rgb '#444444'
}
set label 999 CAPTION at character 1, character 2 left font ',8' textcolor rgb '#555555'

H = 0.38
plot DATA index 0 using ($2 < 1 ? $2 : 1):(-$1):($2 < 1 ? $2 : 1):($2 < 1 ? 1 : $2): \
         (-$1 - H):(-$1 + H):5:ytic(6) with boxxyerror lc rgb variable notitle, \
     '' index 0 using 2:(-$1):3:4 with xerrorbars lc rgb '#222222' lw 1.2 pt 7 ps 0.4 \
         notitle, \
     '' index 0 using ($4 > 1 ? $4 : 1):(-$1):8 with labels left offset 0.8, 0 font ',9' \
         notitle
