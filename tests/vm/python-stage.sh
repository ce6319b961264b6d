#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
# python-stage.sh BUILD: this host's CPython and its standard library (without tests, IDLE,
# Tk and the like) staged once under BUILD/demo/python for a VM's initramfs. Prints the
# run.sh payload arguments that put it where the host has it: "STAGE/bin:/usr/bin" and
# "STAGE/lib/pythonX.Y:/usr/lib/pythonX.Y". Used by `make demo` and by e2e tests with the
# line "# e2e-needs: python".
set -euo pipefail
build=$1
py=$(readlink -f /usr/bin/python3)
lib=${py/bin/lib}
stage=$build/demo/python
if [ ! -x "$stage/bin/${py##*/}" ]; then
	rm -rf "$stage.tmp"
	mkdir -p "$stage.tmp/bin" "$stage.tmp/lib/${lib##*/}"
	cp "$py" "$stage.tmp/bin/"
	ln -s "${py##*/}" "$stage.tmp/bin/python3"
	tar -C "$lib" --exclude=./test --exclude=./idlelib --exclude=./tkinter --exclude=./turtledemo \
		--exclude=./lib2to3 --exclude=./ensurepip --exclude=./pydoc_data --exclude=./config-\* \
		--exclude=./dist-packages --exclude=./site-packages -cf - . |
		tar -C "$stage.tmp/lib/${lib##*/}" -xf -
	rm -rf "$stage"
	mv "$stage.tmp" "$stage"
fi
echo "$stage/bin:/usr/bin"
echo "$stage/lib/${lib##*/}:$lib"
