/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The policy compiler: a policy model (policy.h) becomes one image
 * (policy_image.h): per action class one minimised DFA over bytes.
 * Also the builders of the inputs each class matches, so that userspace
 * (check) builds exactly the strings the kernel builds.
 */
#ifndef AGENTGATE_COMPILE_H
#define AGENTGATE_COMPILE_H

#include <stddef.h>
#include <stdint.h>
#include "policy.h"
#include "policy_image.h"

struct ag_image {
	uint8_t *data; /* contiguous pages; data[0] is struct ag_image_hdr */
	size_t size;
};

/* Resolves a domain name to addresses (AG_NET_ADDR_LEN-2 = 16 bytes each);
 * returns the count (<= max) or a negative errno. */
typedef int (*ag_resolve_fn)(const char *domain, uint8_t (*addrs)[16], int max, void *ctx);

struct compile_opts {
	unsigned int state_budget; /* per DFA; 0 means the default */
	ag_resolve_fn resolve; /* NULL: domains are not turned into addresses */
	void *resolve_ctx;
};

/* Per-class statistics, for lint and bench. */
struct compile_stats {
	unsigned int states[AG_CLASS_COUNT];
	unsigned int classes[AG_CLASS_COUNT];
	size_t table_bytes;
};

int compile_policy(const struct ag_policy *p, const struct compile_opts *opts,
		   struct ag_image *out, struct compile_stats *stats, struct ag_error *err);
void image_free(struct ag_image *img);

/* The userspace runtime of include/dfa_match.h over an image in memory. */
struct ag_verdict image_match(const struct ag_image *img, enum ag_class cls, const uint8_t *in,
			      size_t len);

/* Inputs. Each returns the length written (<= outsz) or a negative errno. */
/* Lexical normalisation: "/a/./b//c/../d" -> "/a/b/d"; relative paths are refused. */
int subject_path(const char *path, char *out, size_t outsz);
/* A command line as a user writes it ("sudo apt-get x"): the first word is
 * resolved as the kernel would see the executable (see docs/policy.md). */
int subject_command(const char *cmdline, char *const *search_path, size_t nsearch, char *out,
		    size_t outsz);
/* An address and port as the NET_ADDR DFA input (AG_NET_ADDR_LEN bytes). */
int subject_addr(const char *ip, uint16_t port, uint8_t out[AG_NET_ADDR_LEN]);
/* Domain: lower case, trailing dot dropped. */
int subject_domain(const char *domain, char *out, size_t outsz);

#endif /* AGENTGATE_COMPILE_H */
