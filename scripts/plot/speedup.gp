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
# The ratio axis holds 1 and every interval, with room on the right for the notes.
stats DATA index 0 using 3 nooutput
XLO = STATS_min < 1 ? STATS_min : 1
stats DATA index 0 using 4 nooutput
XHI = STATS_max > 1 ? STATS_max : 1
XLO = XLO / 1.5
XHI = XHI * 2.2

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
set format x '%g×'
set border 3
set grid xtics lc rgb '#dddddd'
set xtics nomirror
set ytics nomirror scale 0
set style fill solid 0.9 border lc rgb '#333333'
set key at screen 0.5, character 3.8 center center horizontal maxcols 3 maxrows 1 \
    reverse Left samplen 1.5 width 1 font ',9'
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
         notitle, \
     keyentry with boxes lc rgb PARAVIRTUAL title 'paravirtual', \
     keyentry with boxes lc rgb EMULATED title 'emulated', \
     keyentry with boxes lc rgb NOISE title 'within noise'
