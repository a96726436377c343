# SPDX-License-Identifier: GPL-2.0-only
# ns/packet against the number of routes; gnuplot -e "datafile='...'; outfile='...'" plot.gp
set terminal pngcairo size 900,560 font ",11"
set output outfile
set title "XDP program cost under BPF\\_PROG\\_TEST\\_RUN (spread destinations)"
set xlabel "routes in the table"
set ylabel "ns per packet"
set logscale x
set xrange [0.5:2e6]
set yrange [0:*]
set format x "10^{%L}"
set key top left
set grid
plot datafile using 1:3 with linespoints lw 2 pt 7 title "v4via6 (LPM trie)", \
     datafile using 1:4 with linespoints lw 2 pt 5 title "fibfwd (bpf\\_fib\\_lookup)", \
     datafile using 1:2 with linespoints lw 2 pt 9 dt 2 title "XDP\\_DROP (harness floor)"
