// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Token buckets, one per agent (ask.h): ASK_RATE_PER_SEC questions a second
 * after a burst of ASK_RATE_BURST. A new agent takes a free slot or the one
 * idle longest; the evicted agent comes back with a full bucket, so a flood
 * can cost another agent nothing but its place in the table.
 */
#include "ask.h"

bool ask_rate_take(struct ask_rate *r, uint64_t key, unsigned int n, int64_t now_ms)
{
	size_t i, pick = 0;
	double t;

	for (i = 0; i < ASK_RATE_SLOTS; i++) {
		if (r->slot[i].key == key)
			break;
		if (r->slot[pick].key &&
		    (!r->slot[i].key || r->slot[i].last_ms < r->slot[pick].last_ms))
			pick = i; /* the first free slot, else the one idle longest */
	}
	if (i == ASK_RATE_SLOTS) {
		i = pick;
		r->slot[i].key = key;
		r->slot[i].tokens = ASK_RATE_BURST;
		r->slot[i].last_ms = now_ms;
	}
	t = r->slot[i].tokens;
	if (now_ms > r->slot[i].last_ms)
		t += (double)(now_ms - r->slot[i].last_ms) * ASK_RATE_PER_SEC / 1000.0;
	if (t > ASK_RATE_BURST)
		t = ASK_RATE_BURST;
	r->slot[i].last_ms = now_ms;
	if (t < n) {
		r->slot[i].tokens = t;
		return false;
	}
	r->slot[i].tokens = t - n;
	return true;
}
