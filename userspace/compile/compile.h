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
#include "policy/policy.h"
#include "policy_image.h"

struct ag_image {
	uint8_t *data; /* contiguous pages; data[0] is struct ag_image_hdr */
	size_t size;
};

struct compile_opts {
	unsigned int state_budget; /* per DFA; 0 means the default */
};

/* Per-class statistics, for lint and bench. */
struct compile_stats {
	unsigned int states[AG_CLASS_COUNT];
	unsigned int classes[AG_CLASS_COUNT];
	size_t table_bytes;
};

int compile_policy(const struct ag_policy *p, const struct compile_opts *opts, struct ag_image *out,
		   struct compile_stats *stats, struct ag_error *err);
void image_free(struct ag_image *img);
/* Whether the installed image judges tasks from their first execve (policy_image.h on_exec). */
void image_set_on_exec(struct ag_image *img, int on_exec);

/* The userspace runtime of include/dfa_match.h over an image in memory. */
struct ag_verdict image_match(const struct ag_image *img, enum ag_class cls, const uint8_t *in,
			      size_t len);

/*
 * ag_move_flags (dfa_match.h) of the name in[0..len): what moving a file (is_dir
 * 0) or a directory to or from that name touches, as AG_BELOW_* flags; the kernel's
 * rename and link hooks decide with ag_subtree_ok over them. A broken image or an
 * oversized name: AG_BELOW_DENY.
 */
__u8 image_move_flags(const struct ag_image *img, enum ag_class cls, const uint8_t *in, size_t len,
		      int is_dir);

/* A listen on the 18-byte (address, port) subject: the rules, then ag_listen_verdict. */
struct ag_verdict image_listen_verdict(const struct ag_image *img, const uint8_t *addr);

/*
 * What a DNS lookup of name (subject_domain) gets: the policy's NET_DOMAIN
 * rules tried with every port. Allowed when some port may be reached after
 * it (the first rule that allows one), else denied (the first rule that
 * denies, or the default). docs/network.md.
 */
struct ag_verdict image_name_verdict(const struct ag_image *img, const char *name, size_t len);

/* One step, the accept entry and a byte's class in a DFA of img, for walks of their own (lint);
 * the class is -1 when the image is too short. */
__u16 image_dfa_step(const struct ag_image *img, const struct ag_dfa_hdr *d, __u16 state,
		     __u8 byte);
__u16 image_dfa_accept(const struct ag_image *img, const struct ag_dfa_hdr *d, __u16 state);
int image_byte_class(const struct ag_image *img, const struct ag_dfa_hdr *d, __u8 byte);

/* Inputs. Each returns the length written (<= outsz) or a negative errno. */
/* Lexical normalisation: "/a/./b//c/../d" -> "/a/b/d"; relative paths are refused. */
int subject_path(const char *path, char *out, size_t outsz);
/* A command line as a user writes it ("sudo apt-get x"): the first word is
 * resolved as the kernel would see the executable (see docs/policy.md). */
int subject_command(const char *cmdline, char *const *search_path, size_t nsearch, char *out,
		    size_t outsz);
/*
 * The same for a question asked from elsewhere (the ask socket), with no
 * lookup in this host's files: they would tell the asker where this host's
 * links point and what exists, with this process's rights, and they are not
 * the asker's when it runs in another mount namespace. A program given as a
 * path is normalised as subject_path does; a relative one is -ENOENT. A bare
 * name is looked up in the tree whose root directory is open as root_fd (the
 * asker's root, any descriptor of a directory, O_PATH too), never outside it:
 * the first search directory holding an executable file by that name names
 * the program as written (dir/name: a symbolic link is not replaced by its
 * target, as realpath would; the kernel judges the file it runs, the target).
 * Found nowhere, or root_fd -1 (no lookup at all): the first directory, the
 * path subject_command names a program found nowhere.
 */
int subject_command_in_root(const char *cmdline, char *const *search_path, size_t nsearch,
			    int root_fd, char *out, size_t outsz);
/* An address and port as the NET_ADDR DFA input (AG_NET_ADDR_LEN bytes). */
int subject_addr(const char *ip, uint16_t port, uint8_t out[AG_NET_ADDR_LEN]);
/* Domain: lower case, trailing dot dropped. */
int subject_domain(const char *domain, char *out, size_t outsz);
/* NET_DOMAIN input of a connect to port on an address learned from domain: "name\0" + port. */
int subject_domain_port(const char *domain, uint16_t port, uint8_t *out, size_t outsz);

#endif /* AGENTGATE_COMPILE_H */
