# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# awk -f sort.awk -f floor.awk LOG: the markdown row of tests/bench/guest-floor.sh's
# "FLOOR CONFIG ROUND NS" lines (floor.sh): per config the median (min–max) over the rounds
# of the round's fewest, and for the others the median of their rounds' ratios to "none".
function cell(c,    i, n, a) {
	n = 0
	for (i = 1; i <= nr; i++)
		if ((c, i) in best)
			a[++n] = best[c, i]
	if (!n)
		return "-"
	sort(a, n)
	return sprintf("%.0f (%.0f–%.0f)", quant(a, n, 0.5), a[1], a[n])
}
function rise(c,    i, n, a) {
	n = 0
	for (i = 1; i <= nr; i++)
		if ((c, i) in best && ("none", i) in best)
			a[++n] = best[c, i] / best["none", i]
	if (!n)
		return "-"
	sort(a, n)
	return sprintf("%.1f%%", 100 * (quant(a, n, 0.5) - 1))
}
$1 == "BENCHINFO" && $2 == "kernel" { kernel = $3 }
$1 == "FLOOR" && NF == 4 {
	k = $2 SUBSEP $3
	if (!(k in best) || $4 < best[k])
		best[k] = $4
	if ($3 > nr)
		nr = $3
}
END {
	printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", kernel ? kernel : "?",
		cell("none"), cell("floor"), rise("floor"), cell("cgroupid"), rise("cgroupid"),
		cell("undercg"), rise("undercg"), cell("agentgate"), rise("agentgate"),
		cell("elsewhere"), rise("elsewhere")
}
