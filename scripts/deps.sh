#!/usr/bin/env bash
# Install the Debian packages sipedge needs, but only those missing.
#   scripts/deps.sh build   compilers, autotools and the -dev libraries
#   scripts/deps.sh test    build + what the tests and their real peers need
#   scripts/deps.sh bench   test + rtpengine, the anchor bench/capacity.sh
#                           races (it starts its own; the package's service
#                           is not used)
set -euo pipefail

build_pkgs=(build-essential autoconf automake libtool pkg-config openssl
	libevent-dev libssl-dev libosip2-dev libc-ares-dev libsrtp2-dev
	libsystemd-dev libinih-dev libjansson-dev libcunit1-dev uthash-dev
	liburing-dev)
test_pkgs=(python3 mandoc man-db systemd util-linux procps iproute2 dnsmasq-base
	clang libclang-rt-14-dev kamailio kamailio-tls-modules baresip baresip-core)
bench_pkgs=(rtpengine-daemon)

case "${1:-build}" in
build)	want=("${build_pkgs[@]}") ;;
test)	want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
bench)	want=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
*)	echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
