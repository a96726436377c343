# SPDX-License-Identifier: GPL-2.0-only
# ns/packet against the number of routes; gnuplot -e "datafile='...'; outfile='...'" plot.gp
set terminal pngcairo size 900,560 font ",11"
set output outfile
set title "XDP program cost: BPF\\_PROG\\_TEST\\_RUN (warm) and live (run\\_time\\_ns/run\\_cnt, 4096 destinations)"
set xlabel "routes in the table"
set ylabel "ns per packet"
set logscale x
set logscale y
set xrange [0.5:2e6]
set yrange [2:*]
set format x "10^{%L}"
set key top left
set grid
plot datafile using 1:3 with linespoints lw 2 pt 7 lc 1 title "v4via6 (DIR-24-8: tbl24, tbl8 beyond /24)", \
     datafile using 1:7 with linespoints lw 1 pt 7 lc 4 title "v4via6 without nh\\_stats", \
     datafile using 1:4 with linespoints lw 2 pt 5 lc 2 title "fibfwd (bpf\\_fib\\_lookup)", \
     datafile using 1:5 with linespoints lw 2 pt 6 lc 1 dt 3 title "v4via6, live", \
     datafile using 1:6 with linespoints lw 2 pt 4 lc 2 dt 3 title "fibfwd, live", \
     datafile using 1:8 with linespoints lw 1 pt 6 lc 4 dt 3 title "v4via6 without nh\\_stats, live", \
     datafile using 1:2 with linespoints lw 2 pt 9 lc 3 dt 2 title "XDP\\_DROP (harness floor)"
