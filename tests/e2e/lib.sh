# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# Result helpers for the VM e2e tests; tests/vm/guest-e2e.sh sources this before each
# tests/e2e/NN-*.sh (with set -u, $0 = the test file). One line per result, TAP-like:
#   ok - NAME
#   not ok - NAME: REASON
# tests/vm/e2e.sh counts these lines and prefixes NAME with the kernel, e.g. "[6.1] NAME".

ok() { echo "ok - $1"; }
fail() { echo "not ok - $1: $2"; }

# check NAME CMD...: ok if CMD exits 0; otherwise the status and the start of its output.
check() {
	_n=$1
	shift
	if _o=$("$@" 2>&1); then
		ok "$_n"
	else
		fail "$_n" "'$*' exited $?: $(printf '%s' "$_o" | head -c 200 | tr '\n' ' ')"
	fi
}

# expect_errno NAME ERRNO CMD...: ok if CMD fails and its stderr carries ERRNO's message
# (tools print strerror, so "cat /secret" refused by the LSM says "Operation not permitted").
expect_errno() {
	_n=$1 _e=$2
	shift 2
	case $_e in
	EPERM) _m="Operation not permitted" ;;
	EACCES) _m="Permission denied" ;;
	ENOENT) _m="No such file or directory" ;;
	EEXIST) _m="File exists" ;;
	EINVAL) _m="Invalid argument" ;;
	ENOTDIR) _m="Not a directory" ;;
	EISDIR) _m="Is a directory" ;;
	EROFS) _m="Read-only file system" ;;
	EBUSY) _m="Device or resource busy" ;;
	ECONNREFUSED) _m="Connection refused" ;;
	ENETUNREACH) _m="Network is unreachable" ;;
	ETIMEDOUT) _m="Connection timed out" ;;
	*) fail "$_n" "expect_errno: unknown errno name $_e"; return ;;
	esac
	if _o=$("$@" 2>&1 >/dev/null); then
		fail "$_n" "'$*' succeeded, want $_e"
	elif printf '%s' "$_o" | grep -qF "$_m"; then
		ok "$_n"
	else
		fail "$_n" "'$*' failed without '$_m' ($_e): $(printf '%s' "$_o" | head -c 200 | tr '\n' ' ')"
	fi
}
