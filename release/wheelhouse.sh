#!/usr/bin/env bash
# Build the offline bundle a team carries to an inspection site (内网, no PyPI):
#   DEST/wheels/linux/    every wheel of requirements/linux.lock   (x86-64, CPython 3.11)
#   DEST/wheels/windows/  every wheel of requirements/windows.lock (x86-64, CPython 3.11)
#   both also hold the project's own wheel (xuncha_audit-*.whl)
#   DEST/*.lock, DEST/windows/*.bat, DEST/install-linux.sh, DEST/notebooks/, DEST/data_samples/,
#   DEST/离线安装说明.md
# Binary wheels only (--only-binary): nothing is compiled on a laptop without a compiler.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=${1:-dist/xuncha-audit-offline}
PY=${PY:-python3}
rm -rf "$DEST"
mkdir -p "$DEST/wheels/linux" "$DEST/wheels/windows"
dl=(-m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 --implementation cp)
"$PY" "${dl[@]}" --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 --platform linux_x86_64 \
    -r requirements/linux.lock -d "$DEST/wheels/linux"
"$PY" "${dl[@]}" --platform win_amd64 -r requirements/windows.lock -d "$DEST/wheels/windows"
"$PY" -m pip wheel --quiet --no-deps . -w "$DEST/wheels/linux"
cp "$DEST"/wheels/linux/xuncha_audit-*.whl "$DEST/wheels/windows/"
cp requirements/linux.lock requirements/windows.lock "$DEST/"
cp -r release/windows "$DEST/windows"
cp release/install-linux.sh "$DEST/"
cp -r notebooks data_samples "$DEST/"
cp docs/offline.md "$DEST/离线安装说明.md"
n_linux=$(ls "$DEST/wheels/linux" | wc -l); n_win=$(ls "$DEST/wheels/windows" | wc -l)
echo "wheelhouse: $DEST (linux $n_linux wheels, windows $n_win wheels, $(du -sh "$DEST" | cut -f1))"
