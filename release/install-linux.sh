#!/usr/bin/env bash
# Offline install on a Linux x86-64 machine from this bundle (no network needed):
#   bash install-linux.sh            -> ./.venv with xuncha-audit
# Needs Python 3.11 (python3.11 or python3 of version 3.11) with the venv module.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
PY=${PY:-$(command -v python3.11 || command -v python3)}
"$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), "需要 Python 3.11 (need Python 3.11)"'
"$PY" -m venv "$here/.venv"
"$here/.venv/bin/pip" install --quiet --no-index --find-links "$here/wheels/linux" -r "$here/linux.lock"
"$here/.venv/bin/pip" install --quiet --no-index --find-links "$here/wheels/linux" --no-deps xuncha-audit
echo "安装完成：$here/.venv/bin/xuncha-audit（installed）"
