# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# median_range: the numbers on stdin, one a line, as "median (min–max)"; nothing for none.
# Sourced by the bench scripts that report a figure over runs or rounds.
median_range() {
	sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%s (%s–%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
