#!/usr/bin/env bash
# `npm stop`: stops the local deployment (every Alluxio process), and the sandbox if npm start started it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[[ -f local/cli.js ]] && node local/cli.js down
if [[ -f .sandbox/started-by-npm-start ]]; then
  bash scripts/sandbox.sh down
  rm -f .sandbox/started-by-npm-start
fi
