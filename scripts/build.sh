#!/usr/bin/env bash
# Configure (once) and build into an out-of-tree directory.
#   scripts/build.sh DIR [configure options...]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: build.sh DIR [configure options]}
shift
cd "$top"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null
fi
mkdir -p "$dir"
cd "$dir"
# Configure again when the options differ from the last run.
if [ ! -f Makefile ] || [ "$(cat .configure-args 2>/dev/null)" != "$*" ]; then
	"$top/configure" -q "$@"
	printf '%s' "$*" > .configure-args
fi
make -s -j"$(nproc)" all
# The test binaries too, in a second pass: "all check" in one call runs two
# sub-makes over the same objects at once.
make -s -j"$(nproc)" check TESTS=
