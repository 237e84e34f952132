#!/usr/bin/env bash
# CI: prove the offline bundle installs with no index and runs the sample job.
# Usage: release/offline_check.sh DEST   (DEST built by release/wheelhouse.sh)
set -euo pipefail
DEST=$(cd "${1:?bundle folder}" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$DEST" "$work/bundle"
# No index and no configured find-links: only the bundle's wheels can be used.
export PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_INDEX_URL=http://127.0.0.1:9/none
bash "$work/bundle/install-linux.sh"
bin="$work/bundle/.venv/bin"
"$bin/xuncha-audit" version
"$bin/xuncha-audit" run "$work/bundle/data_samples" --out "$work/out" --unit 某市住房和城乡建设局 \
    --level 市级 --region 湖南 --city 长沙 --period-start 2023-01-01 --period-end 2024-12-31 >/dev/null
test -s "$work/out/findings.xlsx" && test -s "$work/out/report.html"
echo "offline install ok: installed from $(ls "$DEST/wheels/linux" | wc -l) wheels with no index; sample job ran"
