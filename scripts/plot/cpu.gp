# pvbench chart template: the cost of emulation. CPU time per operation of the QEMU process
# on the host (left) and busy guest CPU time per operation (right), one row per workload and
# configuration. Bars are horizontal so that any number of rows keeps readable labels.
#
# pvbench copies this file to <run>/plots/<chart>.gp, filling in the placeholders (NAME in
# double braces; string values are already quoted for use inside '...'), and runs gnuplot
# in plots/. Edit the copy and run `gnuplot <chart>.gp` there to redraw by hand.
#
# Data files (host: HOST, guest: GUEST; same rows in both), block 0 (one row per bar):
#   x value low high colour "name" "class" "note" n
# block 1 (one row per group): x "group" "sub"
# (x is the bar's position; here it runs from top to bottom.)

# Each script stands alone, also when run one after the other: `gnuplot *.gp`.
reset session
set terminal {{TERMINAL}} size {{SIZE}} font 'DejaVu Sans,10' noenhanced background rgb 'white'
set output '{{OUTPUT}}'
set encoding utf8

HOST = '{{DATA}}'
GUEST = '{{DATA2}}'
TITLE = '{{TITLE}}'
XLABEL = '{{YLABEL}}'
CAPTION = '{{CAPTION}}'
NOTE = 'median and 95% interval; right of a bar: its ratio to the emulated device ' . \
       '(* = not noise); lower is better'
EMULATED = '#E69F00'
PARAVIRTUAL = '#0072B2'
WIDTH = {{WIDTH}}.0
HEIGHT = {{HEIGHT}}.0

array GX[200]
array GNAME[200]
NG = 0
WMAX = 0
stats HOST index 1 using (NG = NG + 1, GX[NG] = $1, GNAME[NG] = strcol(2), \
                          WMAX = (strlen(strcol(2)) > WMAX ? strlen(strcol(2)) : WMAX), 0) \
      nooutput
LMAX = 0
stats HOST index 0 using (LMAX = (strlen(strcol(6)) > LMAX ? strlen(strcol(6)) : LMAX), $1) \
      nooutput
POSMAX = STATS_max
stats HOST index 0 using 4 nooutput
HOSTMAX = STATS_max
stats GUEST index 0 using 4 nooutput
GUESTMAX = STATS_max

# Screen layout: labels on the left, then the host panel, then the guest panel.
CH = 15.0 / HEIGHT
LEFT = (LMAX + WMAX + 4) * 7.6 / WIDTH
MID = LEFT + (0.985 - LEFT) / 2
TOP = 1 - 5 * CH
BOTTOM = 9 * CH

set multiplot
set label 997 TITLE at screen 0.5, screen 1 center offset 0, -1.1 font ',12'
set label 996 NOTE at screen 0.5, screen 1 center offset 0, -2.5 font ',9' textcolor rgb '#444444'
set label 999 CAPTION at character 1, character 2 left font ',8' textcolor rgb '#555555'
# The legend, drawn by hand (a key inside a multiplot would stand in a column).
set object 1 rect from screen 0.20, character 3.4 to screen 0.225, character 4.1 \
    fc rgb EMULATED fs solid 0.9 border lc rgb '#333333' front noclip
set label 991 'emulated' at screen 0.235, character 3.75 left font ',9'
set object 2 rect from screen 0.42, character 3.4 to screen 0.445, character 4.1 \
    fc rgb PARAVIRTUAL fs solid 0.9 border lc rgb '#333333' front noclip
set label 992 'paravirtual' at screen 0.455, character 3.75 left font ',9'
set arrow 1 from screen 0.64, character 3.75 to screen 0.67, character 3.75 heads size \
    screen 0.004, 90 lc rgb '#222222'
set label 993 'median and 95% interval' at screen 0.68, character 3.75 left font ',9'

set border 3
set grid xtics lc rgb '#dddddd'
set xtics nomirror
set ytics nomirror scale 0
# Sizes in pixels, as pngcairo draws them (the svg terminal's text is smaller): a point is
# 4/3 pixel, a digit about 0.64 of the font's size.
PX(pt) = pt * 4.0 / 3
CW(pt) = 0.64 * PX(pt)
MAX(a, b) = a > b ? a : b
# Tick labels with SI prefixes (1.5k, 2M): short on any range.
SI(v) = abs(v) >= 1e9 ? sprintf('%gG', v / 1e9) : abs(v) >= 1e6 ? sprintf('%gM', v / 1e6) : \
        abs(v) >= 1e3 ? sprintf('%gk', v / 1e3) : sprintf('%g', v)
# The 1-2-5 step at or above r.
NICE(r) = (NICE_E = 10 ** floor(log10(r)), NICE_F = r / NICE_E, \
           (NICE_F <= 1.0001 ? 1 : NICE_F <= 2.0001 ? 2 : NICE_F <= 5.0001 ? 5 : 10) * NICE_E)
# The longest label of the ticks k * s, k from k0 to k1.
TLEN(s, k0, k1) = k0 > k1 ? 0 : MAX(strlen(SI(k0 * s)), TLEN(s, k0 + 1, k1))
# Ticks that cannot run together on a wide range: from s on, the first 1-2-5 step at which
# each label of an axis [0:hi] px pixels wide stands one and a half digits from the next.
HSTEP(s, hi, px) = s * px / hi >= (TLEN(s, 0, floor(hi / s)) + 1.5) * CW(10) ? s : \
                   HSTEP(NICE(s * 1.001), hi, px)
PANELPX = (MID - 0.03 - LEFT) * WIDTH
# Room right of the longest bar for its ratio ("12.5× *"), as a share of a panel.
NMAX = 0
stats HOST index 0 using (NMAX = MAX(strlen(strcol(8)), NMAX), 0) nooutput
stats GUEST index 0 using (NMAX = MAX(strlen(strcol(8)), NMAX), 0) nooutput
NOTESHARE = (NMAX * CW(9) + 10) / PANELPX
NOTESHARE = NOTESHARE > 0.7 ? 0.7 : NOTESHARE < 0.1 ? 0.1 : NOTESHARE
HOSTMAX = HOSTMAX > 0 ? HOSTMAX : 1
GUESTMAX = GUESTMAX > 0 ? GUESTMAX : 1
HOSTX = HOSTMAX / (1 - NOTESHARE)
HOSTSTEP = HSTEP(NICE(HOSTX / 40), HOSTX, PANELPX)
HOSTX = HOSTX > HOSTSTEP ? HOSTX : HOSTSTEP
GUESTX = GUESTMAX / (1 - NOTESHARE)
GUESTSTEP = HSTEP(NICE(GUESTX / 40), GUESTX, PANELPX)
GUESTX = GUESTX > GUESTSTEP ? GUESTX : GUESTSTEP
# One axis title under both panels (a long one, or a translated one, would run into the
# other panel's): centred on the canvas, below the tick labels.
unset xlabel
set style fill solid 0.9 border lc rgb '#333333'
set yrange [-(POSMAX + 0.7):0.7]
set tmargin at screen TOP
set bmargin at screen BOTTOM
H = 0.38

# Left panel: host, with the row labels and the workload names.
set lmargin at screen LEFT
set rmargin at screen MID - 0.03
set xrange [0:HOSTX]
set xtics ()
do for [k = 0:floor(HOSTX / HOSTSTEP)] { set xtics add (SI(k * HOSTSTEP) k * HOSTSTEP) }
set label 10 'host: CPU of the QEMU process' at graph 0, graph 1 left offset 0, 0.8 font ',10'
set label 11 XLABEL at screen 0.5, screen BOTTOM center offset 0, -2.4
do for [i=1:NG] {
    set label 100 + i GNAME[i] at graph 0, first -GX[i] right offset -(LMAX + 1.5), 0 \
        font ',10'
}
plot HOST index 0 using 2:(-$1):(0):2:(-$1 - H):(-$1 + H):5:ytic(6) with boxxyerror \
         lc rgb variable notitle, \
     '' index 0 using 2:(-$1):3:4 with xerrorbars lc rgb '#222222' lw 1.2 pt 7 ps 0.4 \
         notitle, \
     '' index 0 using 4:(-$1):8 with labels left offset 0.6, 0 font ',9' notitle

# Right panel: guest, same rows.
unset label
unset object
unset arrow
set ytics format ''
set lmargin at screen MID + 0.01
set rmargin at screen 0.985
set xrange [0:GUESTX]
set xtics ()
do for [k = 0:floor(GUESTX / GUESTSTEP)] { set xtics add (SI(k * GUESTSTEP) k * GUESTSTEP) }
set label 10 'guest: busy guest CPU' at graph 0, graph 1 left offset 0, 0.8 font ',10'
plot GUEST index 0 using 2:(-$1):(0):2:(-$1 - H):(-$1 + H):5:ytic('') with boxxyerror \
         lc rgb variable notitle, \
     '' index 0 using 2:(-$1):3:4 with xerrorbars lc rgb '#222222' lw 1.2 pt 7 ps 0.4 \
         notitle, \
     '' index 0 using 4:(-$1):8 with labels left offset 0.6, 0 font ',9' notitle
unset multiplot
