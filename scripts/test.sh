#!/usr/bin/env bash
# `npm test`: install, build, bring the sandbox up, run every jest suite, and take the sandbox down
# again only if this run started it (others may be sharing one that was already up).
# Extra arguments go to jest: `npm test -- test/sandbox`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[test] %s\n' "$*"; }
now_ms() { date +%s%3N; }
elapsed() { local ms=$(( $(now_ms) - $1 )); printf '%d.%01ds' $((ms / 1000)) $(((ms % 1000) / 100)); }
t_all=$(now_ms)
# The SDK's warning that Node.js 20 support ends in 2027 would repeat in every suite's output; the
# Lambda functions run on Node.js 24.
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

t0=$(now_ms)
source scripts/ensure-node-modules.sh
log "dependencies ready in $(elapsed "$t0")"

t0=$(now_ms)
# typescript-eslint's rules and prettier's formatting (eslint.config.mjs, .prettierrc.json); npm run format fixes the latter.
npm run --silent lint
log "lint passed in $(elapsed "$t0")"

# Every temporary folder of this run goes under one that the run removes however it ends: the
# suites' mkdtemp folders, the test clusters' state, and the cdk.out folder CDK makes for each App
# synthesized without an outdir (thousands per run). CI runs on the same machine run after run.
RUN_TMP="$(mktemp -d "${TMPDIR:-/tmp}/npm-test-XXXXXX")"
export TMPDIR="$RUN_TMP"
started_sandbox=false
cleanup() {
  if [[ "$started_sandbox" == true ]]; then bash scripts/sandbox.sh down || true; fi
  rm -rf "$RUN_TMP"
}
trap cleanup EXIT
t0=$(now_ms)
sandbox_pid=""
if bash scripts/sandbox.sh status >/dev/null 2>&1; then
  log "sandbox already running: using it and leaving it up"
else
  # From here on the sandbox is ours: cleanup tears it down however this script ends (failure, Ctrl-C).
  # It comes up beside the build (its installs and the jsii build share nothing); its log follows.
  started_sandbox=true
  bash scripts/sandbox.sh up >"$RUN_TMP/sandbox-up.log" 2>&1 &
  sandbox_pid=$!
fi
# The jsii build: what `npm run build` emits plus the .jsii assembly, then the Python wheel and Java
# jar the test/jsii suites install (pacmak reruns only when the npm tarball changed).
bash scripts/package.sh
log "build and packages took $(elapsed "$t0")"
if [[ -n "$sandbox_pid" ]]; then
  sandbox_code=0
  wait "$sandbox_pid" || sandbox_code=$?
  cat "$RUN_TMP/sandbox-up.log"
  if [[ "$sandbox_code" -ne 0 ]]; then log "the sandbox did not come up (exit $sandbox_code)"; exit "$sandbox_code"; fi
  log "sandbox up ($(elapsed "$t0") since the build began)"
fi

t0=$(now_ms)
set +e
if [[ $# -gt 0 ]]; then
  npx jest --ci "$@"
  jest_code=$?
else
  # The whole suite in three lanes (test/local/lanes.json). The real-cluster suites mostly wait on
  # processes (a quarter of the two cores busy), so they run side by side, each on its own claimed
  # 127.0.N block; but these may not overlap:
  #  - quiet: they measure rates and round trips through the shaped link, so they run first, alone;
  #  - serial: Raft binds the wildcard address, so each cluster of several masters needs this
  #    machine's journal ports (19200+i and 20003+i, or the quorum suites' 19210+i and 20013+i):
  #    one such suite at a time, beside the parallel lane.
  lane_pattern() { node -p "'test/local/(' + require('./test/local/lanes.json')['$1'].join('|') + ')\\.test\\.ts\$'"; }
  quiet="$(lane_pattern quiet)"
  serial="$(lane_pattern serial)"
  npx jest --ci --runInBand "$quiet"
  jest_code=$?
  log "quiet lane took $(elapsed "$t0") (exit $jest_code)"
  serial_log="$RUN_TMP/serial-lane.log"
  npx jest --ci --runInBand "$serial" >"$serial_log" 2>&1 &
  serial_pid=$!
  npx jest --ci --maxWorkers=3 --testPathIgnorePatterns "$quiet" "$serial" "/node_modules/"
  parallel_code=$?
  wait "$serial_pid"
  serial_code=$?
  log "serial lane (ran beside the parallel one), exit $serial_code:"
  cat "$serial_log"
  log "parallel lane exit $parallel_code"
  for code in "$parallel_code" "$serial_code"; do [[ "$jest_code" -eq 0 ]] && jest_code=$code; done
fi
# A real-cluster suite stops its Alluxio processes itself, also after a failure; a jest worker killed
# at its time bound cannot, so whatever still runs from a test cluster's folder goes now.
pkill -9 -f "$(node -p 'require("os").tmpdir()')/(cluster|npm-start)-" 2>/dev/null || true
set -e
log "jest took $(elapsed "$t0") (exit $jest_code); total $(elapsed "$t_all")"
if [[ "$started_sandbox" == true ]]; then log "stopping the sandbox this run started"; fi
exit "$jest_code"
