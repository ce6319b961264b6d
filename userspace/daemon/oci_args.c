// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * A runtime's command line as engines write it (dockerd and containerd's runc
 * shim, conmon for podman): global options, the subcommand, its options, the
 * container id. Options that take a value are listed: runc 1.1 and crun 1.x
 * accept "--opt value" and "--opt=value"; an option not listed is a flag.
 */
#include <errno.h>
#include <string.h>
#include "oci.h"

static const char *const global_values[] = { "--log",  "--log-format", "--log-level",	  "--root",
					     "--criu", "--rootless",   "--cgroup-manager" };
static const char *const command_values[] = {
	"--bundle",  "-b", "--console-socket", "--pid-file",   "--preserve-fds", "--config", "-f",
	"--process", "-p", "--criu-opts",      "--image-path", "--work-path"
};

/* Index of the option's value in argv (i, when "--opt=value"), or 0 when it takes none. */
static int value_of(char *const *argv, int argc, int i, const char *const *names, size_t n,
		    const char **name, const char **value)
{
	const char *a = argv[i], *eq = strchr(a, '=');
	size_t k, len = eq ? (size_t)(eq - a) : strlen(a);

	for (k = 0; k < n; k++) {
		if (strlen(names[k]) != len || strncmp(a, names[k], len))
			continue;
		*name = names[k];
		if (eq) {
			*value = eq + 1;
			return i;
		}
		if (i + 1 >= argc)
			return -EINVAL;
		*value = argv[i + 1];
		return i + 1;
	}
	return 0;
}

static void keep_global(struct oci_args *out, const char *name, const char *value)
{
	if (!strcmp(name, "--log"))
		out->log = value;
	else if (!strcmp(name, "--log-format"))
		out->log_format = value;
	else if (!strcmp(name, "--root"))
		out->root = value;
}

static void keep_command(struct oci_args *out, const char *name, const char *value)
{
	if (!strcmp(name, "--bundle") || !strcmp(name, "-b"))
		out->bundle = value;
	else if (!strcmp(name, "--pid-file"))
		out->pid_file = value;
}

int oci_args_parse(int argc, char *const *argv, struct oci_args *out)
{
	const char *name, *value;
	int i, j;

	memset(out, 0, sizeof(*out));
	out->command = -1;
	for (i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			out->command = i;
			break;
		}
		j = value_of(argv, argc, i, global_values,
			     sizeof(global_values) / sizeof(global_values[0]), &name, &value);
		if (j < 0)
			return j;
		if (j) {
			keep_global(out, name, value);
			i = j;
		}
	}
	if (out->command < 0)
		return 0;
	for (i = out->command + 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			if (i + 1 < argc && !out->id)
				out->id = argv[i + 1];
			break;
		}
		if (argv[i][0] != '-') {
			/* The id comes first among positionals; exec's command line follows it. */
			if (!out->id)
				out->id = argv[i];
			continue;
		}
		j = value_of(argv, argc, i, command_values,
			     sizeof(command_values) / sizeof(command_values[0]), &name, &value);
		if (j < 0)
			return j;
		if (j) {
			keep_command(out, name, value);
			i = j;
		}
	}
	return 0;
}

const char *oci_args_command(const struct oci_args *a, char *const *argv)
{
	return a->command < 0 ? "" : argv[a->command];
}
