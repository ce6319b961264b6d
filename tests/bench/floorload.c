// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * floorload OBJ PINDIR [CGROUP]: loads and attaches every program of OBJ and pins each
 * link as PINDIR/link_NAME, where `aglink` takes them off and puts them back as it does
 * agentgate's (tests/bench/guest-floor.sh): all are loaded once, and every batch of
 * make bench-floor differs from the others only in which links are attached. With
 * CGROUP, that cgroup's directory is entry 0 of OBJ's map floor_cgroups first.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	char path[PATH_MAX];
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_link *link;
	struct bpf_map *map;
	__u32 zero = 0;
	int cg;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: floorload OBJ PINDIR [CGROUP]\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "floorload: cannot load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (argc == 4) {
		map = bpf_object__find_map_by_name(obj, "floor_cgroups");
		cg = open(argv[3], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (!map || cg < 0 ||
		    bpf_map__update_elem(map, &zero, sizeof(zero), &cg, sizeof(cg), 0)) {
			fprintf(stderr, "floorload: cannot put %s in floor_cgroups: %s\n", argv[3],
				map ? strerror(errno) : "no such map");
			return 1;
		}
	}
	bpf_object__for_each_program(prog, obj) {
		snprintf(path, sizeof(path), "%s/link_%s", argv[2], bpf_program__name(prog));
		link = bpf_program__attach(prog);
		if (!link || bpf_link__pin(link, path)) {
			fprintf(stderr, "floorload: cannot attach %s at %s: %s\n",
				bpf_program__name(prog), path, strerror(errno));
			return 1;
		}
	}
	return 0;
}
