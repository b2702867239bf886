# The one median of the benchmark scripts of tests/bench, which source this file:
#   median <FILE
# prints the median of the numbers on standard input, one per line: the middle one, or for an
# even count the mean of the two middle ones; nothing for no input.
median() {
    sort -g | awk '{ v[NR] = $1 }
        END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
