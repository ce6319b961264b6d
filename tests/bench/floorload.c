// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * floorload OBJ: loads and attaches every program of OBJ, says "attached", and holds
 * them until killed; its exit closes the links, which detaches them before it is reaped
 * (an unpinned link would be released later, by a kworker). tests/bench/floor.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;

	if (argc != 2) {
		fprintf(stderr, "usage: floorload OBJ\n");
		return 2;
	}
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "floorload: cannot load %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "floorload: cannot attach %s: %s\n",
				bpf_program__name(prog), strerror(errno));
			return 1;
		}
	}
	printf("attached\n");
	fflush(stdout);
	pause();
	return 0;
}
