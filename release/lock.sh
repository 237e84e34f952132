#!/usr/bin/env bash
# Regenerate the lock files from pyproject.toml (run by `make lock`; commit the result).
#   requirements/dev.lock      every platform (markers), runtime + dev: what `make setup` installs
#   requirements/linux.lock    runtime only, Linux x86-64, CPython 3.11: the Linux wheelhouse
#   requirements/windows.lock  runtime only, Windows x86-64, CPython 3.11: the Windows wheelhouse
# uv resolves for a target platform without being on it (pip cannot); it is installed into a
# throwaway venv so that it is not a dependency of the project.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
"$PY" -m venv "$tools/venv"
"$tools/venv/bin/pip" install --quiet uv
uv="$tools/venv/bin/uv"
common=(pip compile pyproject.toml --no-header --quiet --python-version 3.11)
"$uv" "${common[@]}" --universal --extra dev -o requirements/dev.lock
"$uv" "${common[@]}" --python-platform x86_64-manylinux_2_28 -o requirements/linux.lock
"$uv" "${common[@]}" --python-platform windows -o requirements/windows.lock
echo "lock files written: requirements/{dev,linux,windows}.lock"
