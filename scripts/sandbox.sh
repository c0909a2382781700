#!/usr/bin/env bash
# The local sandbox of real servers the tests run against (no AWS, no Docker):
#   versitygw (S3, SigV4 enforced, posix backend) and moto server (SSM, KMS, IAM, EventBridge),
#   plus the test tools installed beside them: cfn-lint (moto's venv) and the Alluxio 2.9 jars.
#
#   bash scripts/sandbox.sh up|down|status
#
# Everything lives in ignored folders: tools in .tools/, pids, logs, data and endpoints.json in .sandbox/.
# Ports: SANDBOX_S3_PORT (default 17070), SANDBOX_AWS_PORT (default 17071); both bind 127.0.0.1 only, below
# Linux's ephemeral range (32768 and up), where a client socket could already hold them.
# With CI=true every part is mandatory; locally a missing Java/Maven only costs the Alluxio suites.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
SANDBOX="$ROOT/.sandbox"
LOGS="$SANDBOX/logs"
ENDPOINTS="$SANDBOX/endpoints.json"

VERSITYGW_MODULE="github.com/versity/versitygw"
VERSITYGW_VERSION="v1.8.0"
MOTO_VERSION="5.2.5"
CFN_LINT_VERSION="1.58.0"
ALLUXIO_POM="$ROOT/scripts/java/pom.xml"
ALLUXIO_LIB="$TOOLS/alluxio-lib"
# The newest 3xx ("dora") release on Maven Central: only its two core jars, over the 2.9 third-party jars,
# so the renderer's dora keys can be checked against that release's own PropertyKey.
ALLUXIO_DORA_VERSION="313"
ALLUXIO_DORA_LIB="$TOOLS/alluxio-dora-lib"

S3_PORT="${SANDBOX_S3_PORT:-17070}"
AWS_PORT="${SANDBOX_AWS_PORT:-17071}"
REGION="us-east-1"
# moto checks no signatures; any fixed pair works and keeps the SDK from looking for real credentials.
AWS_ACCESS_KEY="sandboxmoto"
AWS_SECRET_KEY="sandboxmotosecret"
START_TIMEOUT_S="${SANDBOX_START_TIMEOUT_S:-60}"

log() { printf '[sandbox] %s\n' "$*"; }
fail() { printf '[sandbox] ERROR: %s\n' "$*" >&2; exit 1; }
is_ci() { [[ "${CI:-}" == "true" ]]; }
now_ms() { date +%s%3N; }
elapsed() { local ms=$(( $(now_ms) - $1 )); printf '%d.%01ds' $((ms / 1000)) $(((ms % 1000) / 100)); }

# ---------- install ----------

install_versitygw() {
  local bin="$TOOLS/bin/versitygw"
  # `go version -m` reads the module version stamped into the binary, so a stale build is rebuilt.
  local stamped=""
  [[ -x "$bin" ]] && stamped=$(go version -m "$bin" 2>/dev/null || true)
  if grep -q "mod[[:space:]]*$VERSITYGW_MODULE[[:space:]]*$VERSITYGW_VERSION[[:space:]]" <<<"$stamped"; then
    log "versitygw $VERSITYGW_VERSION: already installed"
    return 0
  fi
  if [[ -x "$bin" ]] && ! command -v go >/dev/null 2>&1; then
    log "versitygw: present (version unverifiable without Go), using it"
    return 0
  fi
  command -v go >/dev/null 2>&1 || { log "versitygw: cannot build it: the Go toolchain (go) is not on PATH"; return 1; }
  local t0; t0=$(now_ms)
  log "versitygw $VERSITYGW_VERSION: building with go install (a few minutes the first time)..."
  mkdir -p "$TOOLS/bin" "$LOGS"
  if ! GOBIN="$TOOLS/bin" GOFLAGS=-mod=mod go install "$VERSITYGW_MODULE/cmd/versitygw@$VERSITYGW_VERSION" >"$LOGS/install-versitygw.log" 2>&1; then
    tail -n 20 "$LOGS/install-versitygw.log" >&2
    log "versitygw: go install failed (log: $LOGS/install-versitygw.log)"
    return 1
  fi
  log "versitygw $VERSITYGW_VERSION: installed in $(elapsed "$t0")"
}

install_venv() {
  local venv="$TOOLS/venv"
  local frozen=""
  # Captured first: `pip freeze | grep -q` would trip pipefail when grep exits early (SIGPIPE).
  [[ -x "$venv/bin/python" ]] && frozen=$("$venv/bin/python" -m pip freeze 2>/dev/null || true)
  if grep -qxF "moto==$MOTO_VERSION" <<<"$frozen" && grep -qxF "cfn-lint==$CFN_LINT_VERSION" <<<"$frozen"; then
    log "moto $MOTO_VERSION + cfn-lint $CFN_LINT_VERSION: already installed"
    return 0
  fi
  command -v python3 >/dev/null 2>&1 || { log "moto/cfn-lint: python3 is not on PATH"; return 1; }
  local t0; t0=$(now_ms)
  log "moto $MOTO_VERSION + cfn-lint $CFN_LINT_VERSION: installing into $venv (a few minutes the first time)..."
  mkdir -p "$TOOLS" "$LOGS"
  if [[ ! -x "$venv/bin/python" ]] && ! python3 -m venv "$venv" >"$LOGS/install-venv.log" 2>&1; then
    tail -n 20 "$LOGS/install-venv.log" >&2
    log "moto/cfn-lint: python3 -m venv failed (on Debian/Ubuntu: apt-get install python3-venv)"
    return 1
  fi
  if ! "$venv/bin/python" -m pip install --disable-pip-version-check -q \
      "moto[server]==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION" >>"$LOGS/install-venv.log" 2>&1; then
    tail -n 20 "$LOGS/install-venv.log" >&2
    log "moto/cfn-lint: pip install failed (log: $LOGS/install-venv.log)"
    return 1
  fi
  log "moto $MOTO_VERSION + cfn-lint $CFN_LINT_VERSION: installed in $(elapsed "$t0")"
}

# The stamp is the pom's hash: editing the pom (e.g. a new Alluxio version) re-resolves the jars.
alluxio_stamp() { sha256sum "$ALLUXIO_POM" | cut -d' ' -f1; }

install_alluxio_jars() {
  local stamp_file="$ALLUXIO_LIB/.installed-from-pom"
  if [[ -f "$stamp_file" && "$(cat "$stamp_file")" == "$(alluxio_stamp)" ]]; then
    log "Alluxio jars: already installed"
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || { log "Alluxio jars: Maven (mvn) is not on PATH"; return 1; }
  local version
  version=$(sed -n 's:.*<alluxio.version>\(.*\)</alluxio.version>.*:\1:p' "$ALLUXIO_POM")
  [[ -n "$version" ]] || { log "Alluxio jars: no <alluxio.version> in $ALLUXIO_POM"; return 1; }
  local t0; t0=$(now_ms)
  log "Alluxio $version jars: resolving with Maven into $ALLUXIO_LIB..."
  mkdir -p "$LOGS"
  # The dora folder links into this one: rebuild it too.
  rm -rf "$ALLUXIO_LIB" "$ALLUXIO_DORA_LIB"
  mkdir -p "$ALLUXIO_LIB"
  # The validation jar's parent pom is not on Maven Central, so it is copied alone (no transitive
  # resolution) and its runtime dependencies are listed in the pom instead. log4j-slf4j-impl is left
  # out: beside slf4j-reload4j it makes SLF4J pick log4j 2, which ignores the log4j.properties that
  # Alluxio's processes are configured with (the official image ships reload4j only).
  if ! mvn -q -B -f "$ALLUXIO_POM" dependency:copy-dependencies -DoutputDirectory="$ALLUXIO_LIB" -DexcludeArtifactIds=log4j-slf4j-impl >"$LOGS/install-alluxio.log" 2>&1 \
    || ! mvn -q -B -f "$ALLUXIO_POM" dependency:copy -Dartifact="org.alluxio:alluxio-integration-tools-validation:$version" \
      -DoutputDirectory="$ALLUXIO_LIB" >>"$LOGS/install-alluxio.log" 2>&1; then
    tail -n 20 "$LOGS/install-alluxio.log" >&2
    log "Alluxio jars: Maven resolution failed (log: $LOGS/install-alluxio.log)"
    return 1
  fi
  alluxio_stamp >"$stamp_file"
  log "Alluxio $version jars: installed ($(find "$ALLUXIO_LIB" -name '*.jar' | wc -l) jars) in $(elapsed "$t0")"
}

# ---------- processes ----------

pid_file() { echo "$SANDBOX/$1.pid"; }

# Live AND still the program we started: a recycled pid must not be mistaken for (or killed as) ours.
running_pid() {
  local name="$1" match="$2" file pid
  file=$(pid_file "$name")
  [[ -f "$file" ]] || return 1
  pid=$(cat "$file")
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$match" || return 1
  echo "$pid"
}

answers_http() { [[ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true)" != "000" ]]; }

# setsid: the servers outlive the shell that started them (npm run sandbox:up returns at once) and
# a Ctrl-C in a test run does not reach them. The wrapper writes its own pid, then execs the server,
# so the pid file names the server process itself.
start_detached() {
  local name="$1"; shift
  mkdir -p "$LOGS"
  rm -f "$(pid_file "$name")"
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$(pid_file "$name")" "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 50); do [[ -s "$(pid_file "$name")" ]] && return 0; sleep 0.1; done
  return 1
}

wait_until_answers() {
  local name="$1" match="$2" url="$3" t0="$4"
  local deadline=$(( $(date +%s) + START_TIMEOUT_S ))
  while (( $(date +%s) < deadline )); do
    if ! running_pid "$name" "$match" >/dev/null; then
      tail -n 20 "$LOGS/$name.log" >&2 || true
      log "$name: exited during start-up (log: $LOGS/$name.log)"
      return 1
    fi
    if answers_http "$url"; then
      log "$name: answering on $url (started in $(elapsed "$t0"))"
      return 0
    fi
    sleep 0.2
  done
  tail -n 20 "$LOGS/$name.log" >&2 || true
  log "$name: no answer on $url within ${START_TIMEOUT_S}s (log: $LOGS/$name.log)"
  return 1
}

port_taken_by_stranger() {
  local name="$1" port="$2"
  if answers_http "http://127.0.0.1:$port/"; then
    log "$name: port $port already answers but not from a sandbox process; set SANDBOX_${3}_PORT to a free port"
    return 0
  fi
  return 1
}

start_versitygw() {
  local pid
  if pid=$(running_pid versitygw versitygw); then
    log "versitygw: already running (pid $pid) on 127.0.0.1:$S3_PORT"
    return 0
  fi
  port_taken_by_stranger versitygw "$S3_PORT" S3 && return 1
  [[ -x "$TOOLS/bin/versitygw" ]] || { log "versitygw: binary missing at $TOOLS/bin/versitygw"; return 1; }
  # A random key pair per sandbox (not per start), so a secret-leak test can search outputs for it
  # without a hard-coded value matching by accident, and a restart keeps the keys others loaded.
  # Data and keys are wiped by `down`.
  mkdir -p "$SANDBOX/versitygw-data" "$SANDBOX/versitygw-meta" "$SANDBOX/versitygw-iam"
  local access secret
  if [[ ! -s "$SANDBOX/versitygw.credentials" ]]; then
    access="SANDBOX$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F')"
    secret="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    ( umask 077; printf '%s\n%s\n' "$access" "$secret" >"$SANDBOX/versitygw.credentials" )
  fi
  { read -r access; read -r secret; } <"$SANDBOX/versitygw.credentials"
  local t0; t0=$(now_ms)
  # Sidecar metadata instead of xattrs: works on any filesystem (tmpfs, overlayfs, CI runners).
  # --iam-dir: with its internal IAM an unknown access key gets 403 InvalidAccessKeyId, as from MinIO
  # and S3; in single-account mode versitygw answers 404 XAdminUserNotFound instead.
  # Credentials go through the environment so they never show in `ps`.
  ROOT_ACCESS_KEY_ID="$access" ROOT_SECRET_ACCESS_KEY="$secret" \
    start_detached versitygw "$TOOLS/bin/versitygw" --port "127.0.0.1:$S3_PORT" --region "$REGION" --quiet \
      --iam-dir "$SANDBOX/versitygw-iam" posix --sidecar "$SANDBOX/versitygw-meta" "$SANDBOX/versitygw-data" \
    || { log "versitygw: could not be launched"; return 1; }
  wait_until_answers versitygw versitygw "http://127.0.0.1:$S3_PORT/" "$t0"
}

start_moto() {
  local pid
  if pid=$(running_pid moto moto_server); then
    log "moto: already running (pid $pid) on 127.0.0.1:$AWS_PORT"
    return 0
  fi
  port_taken_by_stranger moto "$AWS_PORT" AWS && return 1
  [[ -x "$TOOLS/venv/bin/moto_server" ]] || { log "moto: moto_server missing in $TOOLS/venv"; return 1; }
  local t0; t0=$(now_ms)
  start_detached moto "$TOOLS/venv/bin/moto_server" -H 127.0.0.1 -p "$AWS_PORT" \
    || { log "moto: could not be launched"; return 1; }
  wait_until_answers moto moto_server "http://127.0.0.1:$AWS_PORT/moto-api/" "$t0"
}

# Paths only (no control characters): escaping backslash and quote is all JSON needs here.
json_string() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }

write_endpoints() {
  local access secret classpath cfnlint
  { read -r access; read -r secret; } <"$SANDBOX/versitygw.credentials"
  if [[ -f "$ALLUXIO_LIB/.installed-from-pom" ]]; then classpath=$(json_string "$ALLUXIO_LIB"); else classpath=null; fi
  cfnlint=$(json_string "$TOOLS/venv/bin/cfn-lint")
  local tmp="$ENDPOINTS.tmp.$$"
  ( umask 077; cat >"$tmp" <<EOF
{
  "s3": {
    "endpoint": "http://127.0.0.1:$S3_PORT",
    "region": "$REGION",
    "accessKeyId": "$access",
    "secretAccessKey": "$secret"
  },
  "aws": {
    "endpoint": "http://127.0.0.1:$AWS_PORT",
    "region": "$REGION",
    "accessKeyId": "$AWS_ACCESS_KEY",
    "secretAccessKey": "$AWS_SECRET_KEY"
  },
  "alluxioClasspath": $classpath,
  "cfnLint": $cfnlint
}
EOF
  )
  mv "$tmp" "$ENDPOINTS"
}

install_alluxio_dora_jars() {
  if [[ -f "$ALLUXIO_DORA_LIB/alluxio-core-common-$ALLUXIO_DORA_VERSION.jar" && -f "$ALLUXIO_DORA_LIB/alluxio-core-transport-$ALLUXIO_DORA_VERSION.jar" ]]; then
    log "Alluxio $ALLUXIO_DORA_VERSION core jars: already installed"
    return 0
  fi
  local t0; t0=$(now_ms)
  rm -rf "$ALLUXIO_DORA_LIB"
  mkdir -p "$ALLUXIO_DORA_LIB" "$LOGS"
  # Their full dependency trees do not resolve from Maven Central alone (rocksdbjni, extra repositories),
  # so the two jars are copied without transitive resolution and see the 2.9 third-party jars beside them.
  local artifact
  for artifact in alluxio-core-common alluxio-core-transport; do
    if ! mvn -q -B dependency:copy -Dartifact="org.alluxio:$artifact:$ALLUXIO_DORA_VERSION" -Dtransitive=false \
      -DoutputDirectory="$ALLUXIO_DORA_LIB" >>"$LOGS/install-alluxio-dora.log" 2>&1; then
      tail -n 20 "$LOGS/install-alluxio-dora.log" >&2
      log "Alluxio $ALLUXIO_DORA_VERSION jars: Maven could not copy $artifact (log: $LOGS/install-alluxio-dora.log)"
      return 1
    fi
  done
  local jar
  for jar in "$ALLUXIO_LIB"/*.jar; do
    case "$(basename "$jar")" in alluxio-*) ;; *) ln -sf "../alluxio-lib/$(basename "$jar")" "$ALLUXIO_DORA_LIB/" ;; esac
  done
  log "Alluxio $ALLUXIO_DORA_VERSION core jars: installed in $(elapsed "$t0")"
}

# ---------- commands ----------

cmd_up() {
  local t_all; t_all=$(now_ms)
  mkdir -p "$SANDBOX" "$LOGS"
  install_versitygw || fail "versitygw (S3 server) could not be installed"
  install_venv || fail "moto + cfn-lint (Python venv) could not be installed"
  if ! install_alluxio_jars; then
    if is_ci; then fail "Alluxio jars (Java classpath for UnderFileSystemContractTest) could not be installed"; fi
    log "WARNING: Alluxio jars missing: the Alluxio contract suites will fail until this is fixed"
  elif ! install_alluxio_dora_jars; then
    if is_ci; then fail "Alluxio $ALLUXIO_DORA_VERSION jars (PropertyKey check of the dora keys) could not be installed"; fi
    log "WARNING: Alluxio $ALLUXIO_DORA_VERSION jars missing: the dora PropertyKey suite is skipped"
  fi
  if is_ci || [[ -f "$ALLUXIO_LIB/.installed-from-pom" ]]; then
    command -v java >/dev/null 2>&1 || { is_ci && fail "java is not on PATH (needed by the Alluxio contract suites)"; log "WARNING: java is not on PATH"; }
  fi
  start_versitygw || fail "versitygw (S3 server) could not be started on 127.0.0.1:$S3_PORT"
  start_moto || fail "moto (SSM/KMS/IAM/EventBridge server) could not be started on 127.0.0.1:$AWS_PORT"
  write_endpoints
  log "up in $(elapsed "$t_all"); endpoints in $ENDPOINTS"
}

stop_one() {
  local name="$1" match="$2" pid i
  if pid=$(running_pid "$name" "$match"); then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name: pid $pid ignored SIGTERM for 5s; sending SIGKILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
    log "$name: stopped (pid $pid)"
  else
    log "$name: not running"
  fi
  rm -f "$(pid_file "$name")"
}

cmd_down() {
  stop_one versitygw versitygw
  stop_one moto moto_server
  rm -f "$ENDPOINTS" "$SANDBOX/versitygw.credentials"
  rm -rf "$SANDBOX/versitygw-data" "$SANDBOX/versitygw-meta" "$SANDBOX/versitygw-iam"
}

cmd_status() {
  local ok=0 pid
  if pid=$(running_pid versitygw versitygw); then log "versitygw: running (pid $pid) on 127.0.0.1:$S3_PORT"; else log "versitygw: not running"; ok=1; fi
  if pid=$(running_pid moto moto_server); then log "moto: running (pid $pid) on 127.0.0.1:$AWS_PORT"; else log "moto: not running"; ok=1; fi
  [[ -f "$ENDPOINTS" ]] || { log "no $ENDPOINTS"; ok=1; }
  return $ok
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
