# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# awk -f sort.awk -f report.awk SPEC LOG: markdown from the "BENCH CONFIG ROUND OP NS" lines of LOG
# (tests/bench/guest-bench.sh). SPEC, one request a line:
#   row CONFIG[@REF] DESCRIPTION...      a table row: per op, µs per op as the median
#                                        (min–max) over the rounds of CONFIG's best batch in
#                                        the round, then × REF (default baseline): the median
#                                        (min–max) over the rounds of that best batch divided
#                                        by REF's in the same round
#   target CONFIG REF OP LIMIT TEXT...   "| TEXT | ratio (min–max) | met or missed |": the
#                                        same ratio of CONFIG to REF, met when ≤ LIMIT
# A round's figure is its best batch: on a shared, emulated machine noise only ever adds
# time, and a batch is short enough that some escape it.
# CONFIG's best OP batch in ROUND ("" when there are none).
function rbest(cfg, round, op,    k, n, i, b) {
	k = cfg SUBSEP round SUBSEP op
	n = cnt[k]
	if (!n)
		return ""
	b = val[k, 1]
	for (i = 2; i <= n; i++)
		if (val[k, i] < b)
			b = val[k, i]
	return b
}
# Per-round ratios of cfg to ref into r[1..]; their count.
function ratios(cfg, ref, op, r,    i, n, x, y) {
	n = 0
	for (i = 1; i <= nrounds; i++) {
		x = rbest(cfg, i, op)
		y = rbest(ref, i, op)
		if (x != "" && y != "" && y > 0)
			r[++n] = x / y
	}
	sort(r, n)
	return n
}
function ratio_cell(cfg, ref, op,    r, n) {
	n = ratios(cfg, ref, op, r)
	if (!n)
		return "-"
	return sprintf("%.3f (%.2f–%.2f)", quant(r, n, 0.5), r[1], r[n])
}
function abs_cell(cfg, op,    n, i, x, a) {
	n = 0
	for (i = 1; i <= nrounds; i++)
		if ((x = rbest(cfg, i, op)) != "")
			a[++n] = x / 1000
	if (!n)
		return "-"
	sort(a, n)
	return sprintf("%.1f (%.1f–%.1f)", quant(a, n, 0.5), a[1], a[n])
}
function rest(from,    s, i) {
	s = $from
	for (i = from + 1; i <= NF; i++)
		s = s " " $i
	return s
}
FNR == NR {
	spec[++nspec] = $0
	next
}
$1 == "BENCH" && NF == 5 {
	k = $2 SUBSEP $3 SUBSEP $4
	val[k, ++cnt[k]] = $5
	if ($3 > nrounds)
		nrounds = $3
}
END {
	split("open exec connect", ops, " ")
	for (s = 1; s <= nspec; s++) {
		$0 = spec[s]
		if ($1 == "row") {
			line = "| " rest(3) " |"
			if (split($2, cr, "@") < 2)
				cr[2] = "baseline"
			for (o = 1; o <= 3; o++)
				line = line " " abs_cell(cr[1], ops[o]) " | " ratio_cell(cr[1], cr[2], ops[o]) " |"
			print line
		} else if ($1 == "target") {
			n = ratios($2, $3, $4, r)
			v = n ? quant(r, n, 0.5) : ""
			printf "| %s | %s | %s |\n", rest(6), ratio_cell($2, $3, $4),
			       v == "" ? "not measured" : v <= $5 ? "met" : "**missed**"
		}
	}
}
