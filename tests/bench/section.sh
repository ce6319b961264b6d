# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# replace_section FILE SECTION HEADING: the part of FILE from the line starting with HEADING
# up to the next "## " heading becomes SECTION's contents (appended when FILE has none), a
# blank line between it and the heading that follows.
# Sourced by the bench scripts that write one section of BENCHMARKS.md each.
replace_section() {
	awk -v f="$2" -v h="$3" '
		index($0, h) == 1 { skip = 1; while ((getline l < f) > 0) { print l; last = l } done = 1; next }
		skip && /^## / { skip = 0; if (last != "") print "" }
		!skip { print }
		END { if (!done) { print ""; while ((getline l < f) > 0) print l } }
	' "$1" >"$1.tmp"
	mv "$1.tmp" "$1"
}

# keep_sections OLD NEW: appends to NEW the sections of OLD ("## " heading to the next) whose
# heading, up to its first " (", no heading of NEW has: the sections other bench scripts wrote
# survive a script that rewrites the whole file (make bench). One blank line before each, and
# a section's own trailing blank lines dropped, so that blank lines do not pile up run by run.
keep_sections() {
	[ -f "$1" ] || return 0
	awk '
		function key(h) { sub(/ \(.*/, "", h); return h }
		FNR == NR { if (/^## /) have[key($0)] = 1; next }
		/^## / { keep = !(key($0) in have); blank = 0; if (keep) print "" }
		!keep { next }
		/^$/ { blank++; next }
		{ while (blank) { print ""; blank-- } print }
	' "$2" "$1" >>"$2"
}
