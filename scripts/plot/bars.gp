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
stats DATA index 0 using 1 nooutput
XMAX = STATS_max
stats DATA index 0 using 4 nooutput
HIMAX = STATS_max > 0 ? STATS_max : 1

# Sizes in pixels, as pngcairo draws them (the svg terminal's text is smaller): a point is
# 4/3 pixel, a character about 0.6 of the font's size, a character cell 8 x 15.5 at 10 pt.
PX(pt) = pt * 4.0 / 3
CW(pt) = 0.6 * PX(pt)
# Names are mostly lower-case letters, narrower than digits.
NAMECW(pt) = 0.56 * PX(pt)
HCELL = 8.0
VCELL = 15.5
# Tick labels with SI prefixes (1.5k, 2M): short on any range.
SI(v) = abs(v) >= 1e9 ? sprintf('%gG', v / 1e9) : abs(v) >= 1e6 ? sprintf('%gM', v / 1e6) : \
        abs(v) >= 1e3 ? sprintf('%gk', v / 1e3) : sprintf('%g', v)
# The 1-2-5 step at or above r.
NICE(r) = (NICE_E = 10 ** floor(log10(r)), NICE_F = r / NICE_E, \
           (NICE_F <= 1.0001 ? 1 : NICE_F <= 2.0001 ? 2 : NICE_F <= 5.0001 ? 5 : 10) * NICE_E)
# Text cut to n characters, an ellipsis at its end.
CUT(s, n) = strlen(s) <= n ? s : (n < 2 ? '…' : s[1:n - 1] . '…')

# Room per bar (SLOT, pixels). A bar name wider than its slot is turned as little as lets
# the turned names stand one line apart (30, 45 or 90 degrees; at 90 in a smaller font when
# even that is too tight), and the left margin holds the first one. The ratios above the
# bars stand on end when they are wider than a slot.
LMARGIN = 12
do for [pass = 1:2] {
    PLOTW = {{WIDTH}} - (LMARGIN + 3) * HCELL
    XUNIT = PLOTW / (XMAX + 1.4)
    SLOT = XUNIT
    NAMEPT = 10
    LW = LMAX * NAMECW(NAMEPT)
    ANGLE = LW + CW(NAMEPT) <= SLOT ? 0 : SLOT * 0.5 >= PX(NAMEPT) + 3 ? 30 : \
            SLOT * 0.707 >= PX(NAMEPT) + 3 ? 45 : 90
    if (ANGLE == 90 && SLOT < PX(NAMEPT) + 3) {
        NAMEPT = (SLOT - 3) * 0.75 < 6 ? 6 : (SLOT - 3) * 0.75
        LW = LMAX * NAMECW(NAMEPT)
    }
    LEFTPX = ANGLE == 0 ? LW / 2 : LW * cos(ANGLE * pi / 180)
    LMARGIN = (LEFTPX - 0.7 * XUNIT + 6) / HCELL
    LMARGIN = LMARGIN < 12 ? 12 : LMARGIN
}
NOTEPT = 9
NOTEROT = (NMAX * CW(NOTEPT) > SLOT * 0.9) ? 1 : 0
if (NOTEROT && SLOT < PX(NOTEPT) + 2) {
    NOTEPT = (SLOT - 2) * 0.75 < 6 ? 6 : (SLOT - 2) * 0.75
}
LABELDEPTH = (ANGLE == 0 ? PX(NAMEPT) : LW * sin(ANGLE * pi / 180) + \
              PX(NAMEPT) * cos(ANGLE * pi / 180)) / VCELL + 0.7

# Group names under the bar names: one row when each fits between its neighbours, else two
# rows (every other group one line lower), and a name still too wide is cut to its room.
GROUPPT = 11
GAP = 2 * CW(GROUPPT)
ROOM(i, j) = (j < 1 || j > NG) ? 1e9 : abs(GX[j] - GX[i]) * XUNIT - GAP
MIN(a, b) = a < b ? a : b
# Half the width a group name centred on its group has before the canvas' edge.
EDGE(i) = MIN((GX[i] + 0.7) * XUNIT + LMARGIN * HCELL, (XMAX + 0.7 - GX[i]) * XUNIT + 3 * HCELL) - 4
array GLABEL[200]
array GLEN[200]
do for [i = 1:NG] {
    GLABEL[i] = GSUB[i] eq '' ? GNAME[i] : GNAME[i] . ' (' . GSUB[i] . ')'
    GLEN[i] = strlen(GLABEL[i])
}
STAGGER = 0
do for [i = 2:NG] {
    if ((GLEN[i] + GLEN[i - 1]) * CW(GROUPPT) / 2 > ROOM(i, i - 1)) { STAGGER = 1 }
}
STEP = STAGGER ? 2 : 1
do for [i = 1:NG] {
    if (GLEN[i] * CW(GROUPPT) > 2 * EDGE(i)) { GLEN[i] = int(2 * EDGE(i) / CW(GROUPPT)) }
    if (i > STEP) {
        HALF = ROOM(i, i - STEP) / CW(GROUPPT)
        if (GLEN[i] + GLEN[i - STEP] > 2 * HALF) {
            if (GLEN[i] > HALF && GLEN[i - STEP] > HALF) {
                GLEN[i] = int(HALF)
                GLEN[i - STEP] = int(HALF)
            } else {
                if (GLEN[i] > HALF) {
                    GLEN[i] = int(2 * HALF - GLEN[i - STEP])
                } else {
                    GLEN[i - STEP] = int(2 * HALF - GLEN[i])
                }
            }
        }
    }
}
do for [i = 1:NG] { GLABEL[i] = CUT(GLABEL[i], GLEN[i]) }

# Head room above the tallest bar for the ratios: a share of the plot's height in pixels.
PLOTH = {{HEIGHT}} - VCELL * (LABELDEPTH + STAGGER * 1.2 + 10.3)
NOTESHARE = NOTEROT ? (NMAX * CW(NOTEPT) + 16) / PLOTH : 0.12
NOTESHARE = NOTESHARE > 0.6 ? 0.6 : NOTESHARE
YMAX = HIMAX / (1 - NOTESHARE)
# y ticks at a 1-2-5 step, about 36 pixels or more apart.
YSTEP = NICE(YMAX * 36 / PLOTH)

set label 997 TITLE at screen 0.5, screen 1 center offset 0, -1.1 font ',12'
set label 996 NOTE at screen 0.5, screen 1 center offset 0, -2.5 font ',9' textcolor rgb '#444444'
set tmargin 4
set ylabel YLABEL
set yrange [0:YMAX]
set offsets 0.7, 0.7, 0, 0
set border 3
set grid ytics lc rgb '#dddddd'
NAMEFONT = sprintf(',%g', NAMEPT)
set xtics nomirror scale 0 font NAMEFONT
set ytics nomirror ()
do for [k = 0:floor(YMAX / YSTEP)] {
    set ytics add (SI(k * YSTEP) k * YSTEP)
}
if (ANGLE > 0) { set xtics rotate by ANGLE right }
set style fill solid 0.9 border lc rgb '#333333'
set boxwidth 0.78
# The legend, drawn by hand (gnuplot's key stacks its entries when the plot is narrow).
set key off
set object 1 rect from screen 0.20, character 3.4 to screen 0.225, character 4.1 \
    fc rgb EMULATED fs solid 0.9 border lc rgb '#333333' front noclip
set label 991 'emulated' at screen 0.235, character 3.75 left font ',9'
set object 2 rect from screen 0.42, character 3.4 to screen 0.445, character 4.1 \
    fc rgb PARAVIRTUAL fs solid 0.9 border lc rgb '#333333' front noclip
set label 992 'paravirtual' at screen 0.455, character 3.75 left font ',9'
set arrow 1 from screen 0.64, character 3.75 to screen 0.67, character 3.75 heads size \
    screen 0.004, 90 lc rgb '#222222'
set label 993 'median and 95% interval' at screen 0.68, character 3.75 left font ',9'
set bmargin LABELDEPTH + STAGGER * 1.2 + 6.3
set lmargin LMARGIN
set rmargin 3

do for [i=1:NG] {
    set label GLABEL[i] at first GX[i], graph 0 center \
        offset 0, -(LABELDEPTH + 1.2 + (STAGGER && i % 2 == 0 ? 1.2 : 0)) font ',11'
}
set label 999 CAPTION at character 1, character 2 left font ',8' textcolor rgb '#555555'

NOTEFONT = sprintf(',%g', NOTEPT)
plot DATA index 0 using 1:2:5:xtic(6) with boxes lc rgb variable notitle, \
     '' index 0 using 1:2:3:4 with yerrorbars lc rgb '#222222' lw 1.2 pt 7 ps 0.4 notitle, \
     '' index 0 using 1:(NOTEROT ? NaN : $4):8 with labels center offset 0, 0.9 font NOTEFONT \
         notitle, \
     '' index 0 using 1:(NOTEROT ? $4 : NaN):8 with labels rotate by 90 left \
         offset 0, 0.6 font NOTEFONT notitle
