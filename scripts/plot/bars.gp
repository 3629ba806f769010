# pvbench chart template: grouped bars (median with 95% error bars), one colour per class,
# the ratio to the emulated reference above each bar.
#
# pvbench copies this file to <run>/plots/<chart>.gp, filling in the placeholders (NAME in double braces)
# (string values are already quoted for use inside '...'), and runs gnuplot in plots/.
# Edit the copy and run `gnuplot <chart>.gp` there to redraw by hand.
#
# Data file, block 0 (one row per bar):  x value low high colour "name" "class" "note" n
#            block 1 (one row per group): x "group" "sub"

# Each script stands alone, also when run one after the other: `gnuplot *.gp`.
reset session
set terminal {{TERMINAL}} size {{SIZE}} font 'DejaVu Sans,10' noenhanced background rgb 'white'
set output '{{OUTPUT}}'
set encoding utf8

DATA = '{{DATA}}'
TITLE = '{{TITLE}}'
YLABEL = '{{YLABEL}}'
CAPTION = '{{CAPTION}}'
NOTE = 'above a bar: its median''s ratio to the emulated device''s (* = the ratio''s 95% interval excludes 1)'
EMULATED = '#E69F00'
PARAVIRTUAL = '#0072B2'

# Groups (workloads) and their centres, and how long the bar labels are.
array GX[200]
array GNAME[200]
array GSUB[200]
NG = 0
stats DATA index 1 using (NG = NG + 1, GX[NG] = $1, GNAME[NG] = strcol(2), \
                          GSUB[NG] = strcol(3), 0) nooutput
LMAX = 0
NMAX = 0
stats DATA index 0 using (LMAX = (strlen(strcol(6)) > LMAX ? strlen(strcol(6)) : LMAX), \
                          NMAX = (strlen(strcol(8)) > NMAX ? strlen(strcol(8)) : NMAX), $2) \
      nooutput
NBARS = STATS_records
# Room per bar in pixels; a label wider than that is turned (bar names) or stood on end
# (ratios above the bars) so that no two labels run into each other. ~6.5 px per character.
SLOT = ({{WIDTH}} - 130.0) / (NBARS + 0.7 * (NG - 1) + 1.4)
ROTATE = (LMAX * 6.5 > SLOT * 0.95) ? 1 : 0
NOTEROT = (NMAX * 6.6 > SLOT * 0.85) ? 1 : 0
LABELDEPTH = ROTATE ? 0.2 * LMAX + 1.2 : 1.2
# Head room above the tallest bar for the ratios: a share of the plot's height in pixels.
PLOTH = {{HEIGHT}} - 15.0 * (LABELDEPTH + 10.3)
NOTESHARE = NOTEROT ? (NMAX * 6.6 + 16) / PLOTH : 0.12
NOTESHARE = NOTESHARE > 0.6 ? 0.6 : NOTESHARE

set label 997 TITLE at screen 0.5, screen 1 center offset 0, -1.1 font ',12'
set label 996 NOTE at screen 0.5, screen 1 center offset 0, -2.5 font ',9' textcolor rgb '#444444'
set tmargin 4
set ylabel YLABEL
set yrange [0:*]
set offsets 0.7, 0.7, graph NOTESHARE / (1 - NOTESHARE), 0
set border 3
set grid ytics lc rgb '#dddddd'
set xtics nomirror scale 0
set ytics nomirror
set format y '%.6g'
if (ROTATE) { set xtics rotate by 30 right }
set style fill solid 0.9 border lc rgb '#333333'
set boxwidth 0.78
set key at screen 0.5, character 3.8 center center horizontal maxcols 3 maxrows 1 \
    reverse Left samplen 1.5 width 1 font ',9'
set bmargin LABELDEPTH + 6.3
set lmargin 12
set rmargin 3

do for [i=1:NG] {
    set label (GSUB[i] eq '' ? GNAME[i] : GNAME[i] . ' (' . GSUB[i] . ')') \
        at first GX[i], graph 0 center offset 0, -(LABELDEPTH + 1.2) font ',11'
}
set label 999 CAPTION at character 1, character 2 left font ',8' textcolor rgb '#555555'

plot DATA index 0 using 1:2:5:xtic(6) with boxes lc rgb variable notitle, \
     '' index 0 using 1:2:3:4 with yerrorbars lc rgb '#222222' lw 1.2 pt 7 ps 0.4 notitle, \
     '' index 0 using 1:(NOTEROT ? NaN : $4):8 with labels center offset 0, 0.9 font ',9' \
         notitle, \
     '' index 0 using 1:(NOTEROT ? $4 : NaN):8 with labels rotate by 90 left \
         offset 0, 0.6 font ',9' notitle, \
     keyentry with boxes lc rgb EMULATED title 'emulated', \
     keyentry with boxes lc rgb PARAVIRTUAL title 'paravirtual', \
     keyentry with yerrorbars lc rgb '#222222' pt 7 ps 0.4 title 'median and 95% interval'
