#!/usr/bin/env bash
# `npm test`: install, build, bring the sandbox up, run every jest suite, and take the sandbox down
# again only if this run started it (others may be sharing one that was already up).
# Extra arguments go to jest: `npm test -- test/sandbox`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[test] %s\n' "$*"; }
# The machine's busy CPU time (user, nice, system, irq, softirq) since a mark, in seconds: what the
# run costs the two cores, beside how long it takes.
# printf: mawk prints a sum past 2^31 as 3e+09, which bash's arithmetic cannot read.
cpu_busy() { awk '/^cpu /{printf "%.0f\n", $2+$3+$4+$7+$8}' /proc/stat 2>/dev/null || echo 0; }
cpu_since() { echo $(( ($(cpu_busy) - $1) / $(getconf CLK_TCK) )); }
cpu0=$(cpu_busy)
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
# typescript-eslint's rules, prettier's formatting (eslint.config.mjs, .prettierrc.json; npm run format fixes it) and the
# type check of everything jest runs (ts-jest only transpiles: tsconfig.test.json's isolatedModules).
npm run --silent lint
log "lint passed in $(elapsed "$t0")"

# Every temporary folder of this run goes under one that the run removes however it ends: the
# suites' mkdtemp folders, the test clusters' state, and the cdk.out folder CDK makes for each App
# synthesized without an outdir (thousands per run). CI runs on the same machine run after run.
OUTER_TMPDIR="${TMPDIR:-/tmp}"
RUN_TMP="$(mktemp -d "$OUTER_TMPDIR/npm-test-XXXXXX")"
export TMPDIR="$RUN_TMP"
started_sandbox=false
sandbox_pid=""
serial_pid=""
cleanup() {
  # A lane still running (this script interrupted) goes first; a sandbox still coming up is waited
  # for, so that `down` finds every server it started.
  if [[ -n "$serial_pid" ]]; then
    pkill -P "$serial_pid" 2>/dev/null || true
    kill "$serial_pid" 2>/dev/null || true
  fi
  if [[ -n "$sandbox_pid" ]]; then wait "$sandbox_pid" 2>/dev/null || true; fi
  if [[ "$started_sandbox" == true ]]; then bash scripts/sandbox.sh down || true; fi
  rm -rf "$RUN_TMP"
}
trap cleanup EXIT
t0=$(now_ms)
if bash scripts/sandbox.sh status >/dev/null 2>&1; then
  log "sandbox already running: using it and leaving it up"
else
  # From here on the sandbox is ours: cleanup tears it down however this script ends (failure, Ctrl-C).
  # It comes up beside the build (its installs and the jsii build share nothing); its log follows.
  started_sandbox=true
  # The servers outlive this run's temporary folder only if someone else stops them: they get the outer one.
  TMPDIR="$OUTER_TMPDIR" bash scripts/sandbox.sh up >"$RUN_TMP/sandbox-up.log" 2>&1 &
  sandbox_pid=$!
fi
# The jsii build: what `npm run build` emits plus the .jsii assembly, then the Python wheel and Java
# jar the test/jsii suites install (pacmak reruns only when the npm tarball changed).
bash scripts/package.sh
log "build and packages took $(elapsed "$t0") ($(cpu_since "$cpu0") CPU-s since the run began)"
if [[ -n "$sandbox_pid" ]]; then
  sandbox_code=0
  wait "$sandbox_pid" || sandbox_code=$?
  sandbox_pid=""
  cat "$RUN_TMP/sandbox-up.log"
  if [[ "$sandbox_code" -ne 0 ]]; then log "the sandbox did not come up (exit $sandbox_code)"; exit "$sandbox_code"; fi
  log "sandbox up ($(elapsed "$t0") since the build began)"
fi

# The lanes' path patterns (test/local/lanes.json), built before errors stop counting: a broken
# lanes file must end the run, not leave a lane an empty pattern that matches every suite.
lane_pattern() {
  node -e '
    const lanes = require("./test/local/lanes.json");
    const suites = lanes[process.argv[1]];
    if (!Array.isArray(suites) || suites.length === 0) throw new Error(`test/local/lanes.json has no ${process.argv[1]} lane`);
    console.log(String.raw`test/local/(` + suites.join("|") + String.raw`)\.test\.ts$`);
  ' "$1"
}
if [[ $# -eq 0 ]]; then
  quiet="$(lane_pattern quiet)"
  serial="$(lane_pattern serial)"
fi

t0=$(now_ms)
set +e
if [[ $# -gt 0 ]]; then
  npx jest --ci "$@"
  jest_code=$?
else
  # The whole suite in lanes (test/local/lanes.json), so that the real-cluster suites, which mostly
  # wait on processes, run side by side without saturating the two cores (at three clusters beside
  # the unit suites the load reached 30, and shell starts took tens of seconds):
  #  - quiet: they measure rates and round trips through the shaped link, so they run first, alone;
  #  - serial: the suites that start several masters, the heaviest, one at a time from then on, and
  #    deploy-rollback, moved here to even the two chains (before: 1422 s against 502 + 1317 s), beside
  #  - every suite outside test/local, two at a time (they are CPU-bound: builds, synths), and after them
  #  - the other real-cluster suites, two at a time, each cluster on its own claimed 127.0.N block.
  npx jest --ci --runInBand "$quiet"
  jest_code=$?
  log "quiet lane took $(elapsed "$t0") (exit $jest_code, $(cpu_since "$cpu0") CPU-s so far)"
  t_lane=$(now_ms)
  serial_log="$RUN_TMP/serial-lane.log"
  (
    npx jest --ci --runInBand "$serial"
    code=$?
    echo "[test] serial lane took $(elapsed "$t_lane") (exit $code)"
    exit "$code"
  ) >"$serial_log" 2>&1 &
  serial_pid=$!
  npx jest --ci --maxWorkers=2 --testPathIgnorePatterns "/test/local/" "/node_modules/"
  unit_code=$?
  log "unit lane took $(elapsed "$t_lane") (exit $unit_code, $(cpu_since "$cpu0") CPU-s so far)"
  t_parallel=$(now_ms)
  npx jest --ci --maxWorkers=2 --testPathIgnorePatterns "$quiet" "$serial" "/node_modules/" -- test/local/
  parallel_code=$?
  log "parallel lane took $(elapsed "$t_parallel") (exit $parallel_code)"
  wait "$serial_pid"
  serial_code=$?
  serial_pid=""
  log "serial lane (it ran beside the unit and parallel lanes), exit $serial_code:"
  cat "$serial_log"
  log "lanes after the quiet one took $(elapsed "$t_lane")"
  for code in "$unit_code" "$parallel_code" "$serial_code"; do [[ "$jest_code" -eq 0 ]] && jest_code=$code; done
fi
# A real-cluster suite stops its Alluxio processes itself, also after a failure; a jest worker killed
# at its time bound cannot, so whatever still runs from a test cluster's folder goes now.
pkill -9 -f "$(node -p 'require("os").tmpdir()')/(cluster|npm-start|quorum)-" 2>/dev/null || true
set -e
log "jest took $(elapsed "$t0") (exit $jest_code); total $(elapsed "$t_all"), $(cpu_since "$cpu0") CPU-s"
if [[ "$started_sandbox" == true ]]; then log "stopping the sandbox this run started"; fi
exit "$jest_code"
