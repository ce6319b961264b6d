# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# seed_policy DIR RULES: DIR/seed.yaml, the seed (policies/openai-agent-sandbox.yaml) with
# ld-so included and the rules of the file RULES (what a benchmark needs to run) put first,
# and DIR/include/ the includes it names. Sourced by the bench scripts that confine the seed.
seed_policy() {
	mkdir -p "$1/include"
	cp policies/include/*.yaml "$1/include/"
	awk -v f="$2" '/^  rules:$/ { print "  include: [ld-so]"; print; while ((getline l < f) > 0) print l; next } { print }' \
		policies/openai-agent-sandbox.yaml >"$1/seed.yaml"
	grep -q '^  include: \[ld-so\]$' "$1/seed.yaml" ||
		{ echo "bench: policies/openai-agent-sandbox.yaml has no '  rules:' line to extend" >&2; return 1; }
}
