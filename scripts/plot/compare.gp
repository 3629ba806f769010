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

set title '{{TITLE}}'
set xlabel '{{YLABEL}}'
set label 1 '{{CAPTION}}' at screen 0.01, screen 0.015 left font 'sans,8'
set bmargin 5
set lmargin 38

set key off
set border 3
set xtics nomirror
set ytics nomirror scale 0
set grid xtics lc rgb '#dddddd'
# The zero line: vertical (the rows sit on y = 0, 1, ..., so no xzeroaxis).
set arrow 1 from first 0, graph 0 to first 0, graph 1 nohead lc rgb '#333333' front
# First row at the top; the range covers every bar and the threshold lines.
set yrange [*:*] reverse
set autoscale yfix
set offsets graph 0.05, graph 0.05, 0, 0

set style fill solid 0.85 noborder
verdict_colour(v) = (v == 1) ? 0xd62728 : (v == 2) ? 0x2ca02c : 0xa8a8a8

plot '{{DATA}}' index 0 using ($3 / 2):1:(abs($3) / 2):(0.35):(verdict_colour($6)):ytic(2) \
         with boxxyerror lc rgb variable, \
     '' index 0 using 3:1:4:5 with xerrorbars lc rgb '#222222' pt 7 ps 0.4, \
     '' index 1 using 1:2 with lines dt 2 lw 1 lc rgb '#555555'
