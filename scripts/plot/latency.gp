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

set label 997 TITLE at screen 0.5, screen 1 center offset 0, -1.1 font ',12'
set label 996 NOTE at screen 0.5, screen 1 center offset 0, -2.5 font ',9' textcolor rgb '#444444'
set tmargin 4
set bmargin 7.5
set lmargin 12
set rmargin 3
set ylabel YLABEL
set xlabel 'percentile'
set logscale y
set format y '%g'
set xrange [-0.3:XMAX + 0.3]
set border 3
set grid ytics mytics lc rgb '#e4e4e4'
set xtics nomirror scale 0
set ytics nomirror
set key at screen 0.5, character 3.8 center center horizontal maxrows 1 reverse Left \
    samplen 2.5 width 1 font ',9'
set label 999 CAPTION at character 1, character 2 left font ',8' textcolor rgb '#555555'

# One line per configuration: orange tones for emulated devices, blue for paravirtual ones.
plot for [i=0:NSERIES-1] DATA index i using 1:3:4:5:6:xtic(2) with yerrorlines \
         lc rgb variable lw 2 pt 7 ps 0.8 title columnheader(1)
