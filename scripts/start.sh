#!/usr/bin/env bash
# `npm start`: on a fresh machine, install what the local deployment needs (node modules, the sandbox's
# S3 server, moto and the Alluxio 2.9.6 jars), build, and deploy the example app's existing-MinIO stack
# on 127.0.0.1 (local/cli.ts). Arguments go to the deploy: `npm start -- --endpoint URL --bucket B`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

source scripts/ensure-node-modules.sh
npm run --silent build >/dev/null
# A sandbox someone else started (npm test, sandbox:up) is used and left running by npm stop.
if ! bash scripts/sandbox.sh status >/dev/null 2>&1; then
  CI=true bash scripts/sandbox.sh up
  touch .sandbox/started-by-npm-start
fi
node local/cli.js up "$@"
