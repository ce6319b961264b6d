# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Helpers of the bench reports (awk -f sort.awk -f report.awk, -f floor.awk).
# Sorts a[1..n] in place (n is small: a round per element).
function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}
# The p-quantile of a[1..n] (sorted), interpolated.
function quant(a, n, p,    x, i) {
	x = 1 + p * (n - 1)
	i = int(x)
	return i >= n ? a[n] : a[i] + (x - i) * (a[i + 1] - a[i])
}
