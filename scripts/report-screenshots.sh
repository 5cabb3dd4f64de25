#!/bin/sh
# Screenshots of `stnmf report` pages (docs/img/report-<method>.png, shown in docs/results.md):
# headless Debian Chromium (apt-get install -y chromium) on each report.html, 1400 px wide.
#   sh scripts/report-screenshots.sh <method> <result-dir> [<method> <result-dir> ...]
set -e
while [ $# -ge 2 ]; do
  node dist/src/cli/main.js report "$2"
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1400,4000 \
    --screenshot="docs/img/report-$1.png" "file://$(cd "$2" && pwd)/report.html"
  shift 2
done
