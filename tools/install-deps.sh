#!/usr/bin/env bash
# Installs the Debian 12 packages apiradar needs to build and test, and does
# nothing when they are all there already. Run as root.
set -euo pipefail

packages=(
	# build
	gcc meson ninja-build pkg-config clang-format
	libdpdk-dev libpcap-dev libyaml-dev libhyperscan-dev
	# tests
	libcmocka-dev python3 python3-yaml
	iproute2 ethtool tcpdump procps
	# benchmark reference and instruction counts
	libhtp-dev valgrind
	# detection benchmark reference
	libmodsecurity-dev modsecurity-crs
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
