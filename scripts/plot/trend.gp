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

set title '{{TITLE}}'
set ylabel '{{YLABEL}}'
set label 1 '{{CAPTION}}' at screen 0.01, screen 0.015 left font 'sans,8'
set bmargin 6

set key off
set border 3
set xtics nomirror rotate by -35 scale 0
set ytics nomirror
set grid ytics lc rgb '#dddddd'
set offsets 0.5, 0.5, graph 0.08, graph 0.08

plot '{{DATA}}' index 0 using 1:2 with lines lc rgb '#9ec5e8' lw 1, \
     '' index 0 using 1:2:3:4:xtic(5) with yerrorbars lc rgb '#1f77b4' pt 7 ps 0.6, \
     '' index 1 using 1:2 with lines lc rgb '#555555' dt 2 lw 2, \
     '' index 2 using 1:2 with lines lc rgb '#d62728' lw 1.5
