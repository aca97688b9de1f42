#!/usr/bin/env bash
# Installs the Debian 12 packages apiradar needs to build and test, and does
# nothing when they are all there already. Run as root.
set -euo pipefail

packages=(
	# build
	gcc meson ninja-build pkg-config clang-format
	libdpdk-dev libpcap-dev libyaml-dev libhyperscan-dev librocksdb-dev
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
# The OpenAPI validator of the tests runs on Node.js: Debian's, unless the
# machine has one already.
command -v npm >/dev/null || missing+=(nodejs npm)

# npm packages of the tests, pinned by tools/npm/package-lock.json.
npm_install() {
	local dir
	dir="$(cd "$(dirname "$0")" && pwd)/npm"
	[ -f "$dir/package-lock.json" ] || return 0
	[ -d "$dir/node_modules" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] &&
		return 0
	echo "install-deps: npm ci in tools/npm"
	npm ci --prefix "$dir" --no-audit --no-fund --silent >/dev/null
}

if [ ${#missing[@]} -eq 0 ]; then
	npm_install
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
npm_install
