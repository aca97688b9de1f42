#!/usr/bin/env bash
# Formats (fix) or checks (check) every C file the repository tracks.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
mapfile -t files < <(git ls-files '*.c' '*.h')
[ ${#files[@]} -eq 0 ] && exit 0
if [ "$mode" = fix ]; then
	clang-format -i "${files[@]}"
else
	clang-format --dry-run --Werror "${files[@]}"
fi
