// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The BPF object as the loader sees it, opened from the skeleton's embedded bytes and never
 * loaded: every program has an attach plan, and pins keep the names they always had.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "file_test.h"
#include "loader/loader_int.h"
#include "maps.h"
#include "agentgate.skel.h"

static int open_skel(void **state)
{
	struct agentgate_bpf *skel = agentgate_bpf__open();

	if (!skel)
		return -1;
	*state = skel;
	return 0;
}

static int close_skel(void **state)
{
	agentgate_bpf__destroy(*state);
	return 0;
}

static int on_list(const char *const *list, const char *name)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (!strcmp(list[i], name))
			return 1;
	return 0;
}

static void test_every_program_has_a_plan(void **state)
{
	struct agentgate_bpf *skel = *state;
	struct bpf_program *prog;
	char path[PATH_MAX];
	int lsm = 0, cgroup = 0;

	bpf_object__for_each_program(prog, skel->obj) {
		const char *name = bpf_program__name(prog);
		const char *sec = bpf_program__section_name(prog);

		switch (loader_attach_plan(prog)) {
		case LOADER_ATTACH_AUTO:
			if (strncmp(sec, "lsm", 3) && strncmp(sec, "tp_btf/", 7) &&
			    strncmp(sec, "fentry/", 7) && strncmp(sec, "fexit/", 6))
				fail_msg(
					"%s (%s): planned as LSM, a BTF tracepoint, fentry or fexit",
					name, sec);
			lsm += !strncmp(sec, "lsm", 3);
			break;
		case LOADER_ATTACH_ITER:
			if (strncmp(sec, "iter/", 5))
				fail_msg("%s (%s): planned as an iterator", name, sec);
			break;
		case LOADER_ATTACH_CGROUP:
			if (strncmp(sec, "cgroup/", 7))
				fail_msg("%s (%s): planned for the cgroup root", name, sec);
			cgroup++;
			break;
		case LOADER_ATTACH_EXEMPT:
			if (!on_list(loader_exempt, name))
				fail_msg("%s: exempt but not in loader_exempt", name);
			break;
		default:
			fail_msg("%s (%s): the loader has no way to attach it", name, sec);
		}
		assert_int_equal(loader_link_pin(prog, path, sizeof(path)), 0);
	}
	/* The hooks agentgate is about, and the DNS steering. */
	assert_true(lsm > 0);
	assert_true(cgroup > 0);
}

static void test_exemptions_name_programs(void **state)
{
	struct agentgate_bpf *skel = *state;
	size_t i;

	for (i = 0; loader_exempt[i]; i++)
		if (!bpf_object__find_program_by_name(skel->obj, loader_exempt[i]))
			fail_msg("loader_exempt names %s, which the object lacks",
				 loader_exempt[i]);
}

/*
 * An optional program is an LSM program of the object; left out (its hook missing),
 * it is absent, not planless: loading does not fail closed for it.
 */
static void test_optional(void **state)
{
	struct agentgate_bpf *skel = *state;
	struct bpf_program *prog;
	size_t i;

	for (i = 0; loader_optional[i]; i++) {
		prog = bpf_object__find_program_by_name(skel->obj, loader_optional[i]);
		if (!prog)
			fail_msg("loader_optional names %s, which the object lacks",
				 loader_optional[i]);
		assert_int_equal(bpf_program__type(prog), BPF_PROG_TYPE_LSM);
		assert_int_equal(loader_attach_plan(prog), LOADER_ATTACH_AUTO);
		assert_int_equal(bpf_program__set_autoload(prog, false), 0);
		assert_int_equal(loader_attach_plan(prog), LOADER_ATTACH_ABSENT);
		assert_int_equal(bpf_program__set_autoload(prog, true), 0);
	}
	assert_true(i > 0);
}

/* A program of a type the loader cannot attach, or one not loaded, has no plan. */
static void test_unattachable_has_no_plan(void **state)
{
	struct agentgate_bpf *skel = *state;

	assert_int_equal(loader_attach_plan(skel->progs.ag_file_open), LOADER_ATTACH_AUTO);
	assert_int_equal(loader_attach_plan(skel->progs.ag_dns_connect4), LOADER_ATTACH_CGROUP);
	assert_int_equal(loader_attach_plan(skel->progs.ag_fold_exit), LOADER_ATTACH_AUTO);
	assert_int_equal(loader_attach_plan(skel->progs.ag_exec_end), LOADER_ATTACH_AUTO);
	assert_int_equal(loader_attach_plan(skel->progs.ag_exec_open_failed), LOADER_ATTACH_AUTO);
	assert_int_equal(loader_attach_plan(skel->progs.ag_fold_flush), LOADER_ATTACH_ITER);
	assert_int_equal(loader_attach_plan(skel->progs.ag_arm_walk), LOADER_ATTACH_ITER);
	assert_int_equal(bpf_program__set_expected_attach_type(skel->progs.ag_fold_exit,
							       BPF_MODIFY_RETURN),
			 0);
	assert_int_equal(loader_attach_plan(skel->progs.ag_fold_exit), LOADER_ATTACH_NONE);
	assert_int_equal(
		bpf_program__set_expected_attach_type(skel->progs.ag_file_open, BPF_LSM_CGROUP), 0);
	assert_int_equal(loader_attach_plan(skel->progs.ag_file_open), LOADER_ATTACH_NONE);
	assert_int_equal(bpf_program__set_type(skel->progs.ag_bpf, BPF_PROG_TYPE_KPROBE), 0);
	assert_int_equal(loader_attach_plan(skel->progs.ag_bpf), LOADER_ATTACH_NONE);
	assert_int_equal(bpf_program__set_autoload(skel->progs.ag_dns_connect6, false), 0);
	assert_int_equal(loader_attach_plan(skel->progs.ag_dns_connect6), LOADER_ATTACH_NONE);
}

/* Pins of earlier builds keep their names: tools and tests know them. */
static void test_pin_names(void **state)
{
	static const char *const maps[] = { "policies",	   "cache",	"events", "streams",
					    "drops",	   "protected", "dns",	  "learned",
					    "dns_clients", "state",	NULL };
	static const char *const links[] = { "link_file_open", "link_bprm_check", "link_bpf",
					     "link_dns_connect4", NULL };
	struct agentgate_bpf *skel = *state;
	struct bpf_program *prog;
	struct bpf_map *map;
	char path[PATH_MAX];
	size_t dir = strlen(AG_PIN_DIR "/"), found = 0;

	bpf_object__for_each_map(map, skel->obj) {
		assert_int_equal(loader_map_pin(map, path, sizeof(path)), 0);
		assert_memory_equal(path, AG_PIN_DIR "/", dir);
		assert_null(strchr(path + dir, '/'));
		found += on_list(maps, path + dir);
	}
	assert_int_equal(found, sizeof(maps) / sizeof(maps[0]) - 1);
	found = 0;
	bpf_object__for_each_program(prog, skel->obj) {
		assert_int_equal(loader_link_pin(prog, path, sizeof(path)), 0);
		assert_memory_equal(path, AG_PIN_DIR "/" LOADER_LINK_PREFIX,
				    dir + strlen(LOADER_LINK_PREFIX));
		found += on_list(links, path + dir);
	}
	assert_int_equal(found, sizeof(links) / sizeof(links[0]) - 1);
}

/* kallsyms: the kernel's own data symbols only, hidden addresses refused. */
static void test_ksyms(void **state)
{
	static const char *const names[] = { "rename_lock", "mount_lock" };
	char path[] = "/tmp/agentgate-kallsyms-XXXXXX";
	__u64 addrs[2];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	put_file(path, "0000000000000000 A fixed_percpu_data\n"
		       "ffffffff81000000 T _text\n"
		       "ffffffff9ee09500 t rename_lock_fn\n"
		       "ffffffffc0001000 d mount_lock\t[some_module]\n"
		       "ffffffff9ee09600 D rename_lock\n"
		       "ffffffff9ee09680 D mount_lock\n");
	assert_int_equal(loader_ksyms(path, names, addrs, 2), 0);
	assert_true(addrs[0] == 0xffffffff9ee09600ull);
	assert_true(addrs[1] == 0xffffffff9ee09680ull);

	/* kptr_restrict: every address 0 (the first text symbol tells). */
	put_file(path, "0000000000000000 T _text\n0000000000000000 D rename_lock\n"
		       "0000000000000000 D mount_lock\n");
	assert_int_equal(loader_ksyms(path, names, addrs, 2), -ENOENT);
	assert_true(addrs[0] == 0 && addrs[1] == 0);
	/* A text symbol at 0 ends the reading: nothing after it is taken. */
	put_file(path, "0000000000000000 T _text\nffffffff9ee09600 D rename_lock\n"
		       "ffffffff9ee09680 D mount_lock\n");
	assert_int_equal(loader_ksyms(path, names, addrs, 2), -ENOENT);
	/* A text symbol of the name is not the lock. */
	put_file(path, "ffffffff9ee09600 D rename_lock\nffffffff81000000 T mount_lock\n");
	assert_int_equal(loader_ksyms(path, names, addrs, 2), -ENOENT);
	unlink(path);
	assert_int_equal(loader_ksyms(path, names, addrs, 2), -ENOENT);
}

/* mountinfo: the line of the mount id, its MAJOR:MINOR; the rest untouched when absent. */
static void test_mountinfo_dev(void **state)
{
	static const char prefix[] = "21 1 0:21 / /srv rw - tmpfs tmpfs rw,";
	char path[] = "/tmp/agentgate-mountinfo-XXXXXX", longline[6000];
	unsigned int maj = 1, min = 2;
	FILE *f;
	int fd;

	(void)state;
	memset(longline, 'o', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = 0;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	/* A line longer than the loader's 4096-byte reads, its second piece like mount 40's. */
	fprintf(f, "%s%.*s40 1 9:9 x\n", prefix, (int)(4095 - strlen(prefix)), longline);
	fputs("40 1 0:45 /@home /home rw,relatime shared:1 - btrfs /dev/sda2 rw\n", f);
	fclose(f);
	assert_int_equal(loader_mountinfo_dev(path, 40, &maj, &min), 0);
	assert_int_equal(maj, 0);
	assert_int_equal(min, 45);
	maj = 1;
	min = 2;
	assert_int_equal(loader_mountinfo_dev(path, 7, &maj, &min), -ENOENT);
	assert_int_equal(maj, 1);
	assert_int_equal(min, 2);
	unlink(path);
	assert_int_equal(loader_mountinfo_dev(path, 40, &maj, &min), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_program_has_a_plan, open_skel,
						close_skel),
		cmocka_unit_test_setup_teardown(test_exemptions_name_programs, open_skel,
						close_skel),
		cmocka_unit_test_setup_teardown(test_optional, open_skel, close_skel),
		cmocka_unit_test_setup_teardown(test_unattachable_has_no_plan, open_skel,
						close_skel),
		cmocka_unit_test_setup_teardown(test_pin_names, open_skel, close_skel),
		cmocka_unit_test(test_ksyms),
		cmocka_unit_test(test_mountinfo_dev),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
