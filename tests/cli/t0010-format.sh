#!/bin/sh
# t0010-format: every C source and header is clang-format clean (.clang-format).
. "$TY_SOURCE/tests/cli/lib.sh"
cd "$TY_SOURCE" || exit 1
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find include src tests bench fuzz -name '*.[ch]')
for f in $files; do
    if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        ok
    else
        bad "$f is not clang-format clean (run: clang-format -i $f)"
    fi
done
finish
