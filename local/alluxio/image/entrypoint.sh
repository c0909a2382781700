#!/usr/bin/env bash
# Stand-in for the official image's /entrypoint.sh (Alluxio 2.9.x, integration/docker/entrypoint.sh),
# reproducing its contract for the commands the construct uses (see README.md in this folder). Ours,
# written from that file's behaviour; nothing here is copied from it.
set -e

# The image hard-codes /opt/alluxio; each local container has its own copy of the layout beside this file.
ALLUXIO_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/opt/alluxio"

# The names writeConf carries into conf/alluxio-env.sh (the original's ALLUXIO_ENV_VARS list).
CONF_ENV_NAMES=(
  ALLUXIO_CLASSPATH ALLUXIO_HOSTNAME ALLUXIO_JARS ALLUXIO_JAVA_OPTS ALLUXIO_MASTER_JAVA_OPTS
  ALLUXIO_PROXY_JAVA_OPTS ALLUXIO_RAM_FOLDER ALLUXIO_USER_JAVA_OPTS ALLUXIO_WORKER_JAVA_OPTS
  ALLUXIO_JOB_MASTER_JAVA_OPTS ALLUXIO_JOB_WORKER_JAVA_OPTS ALLUXIO_FUSE_JAVA_OPTS
)

usage() {
  echo "Usage: COMMAND [COMMAND_OPTIONS]"
  echo "COMMAND is one of: master [--no-format], master-only [--no-format], worker [--no-format],"
  echo "                   worker-only [--no-format], job-master, job-worker, proxy"
}

# Appends every environment variable whose NAME occurs in the list above to conf/alluxio-env.sh.
# Like the original, it tests "occurs in the joined list" (a substring match, so ALLUXIO_JAVA would
# match too) and reads `env` line by line, so a multi-line value is seen as several lines; it never
# writes alluxio-site.properties.
write_env_conf() {
  local IFS=$'\n' line name value
  for line in $(env); do
    name="${line%%=*}"
    value="${line#*=}"
    if [[ "${CONF_ENV_NAMES[*]}" =~ "${name}" ]]; then
      echo "export ${name}=\"${value}\"" >> conf/alluxio-env.sh
    fi
  done
}

# The original formats unless the only option is --no-format; any other option is a usage error.
format_unless_told_not_to() {
  local what="$1"
  if [[ -n "${OPTION}" && "${OPTION}" != "--no-format" ]]; then usage; exit 1; fi
  if [[ "${OPTION}" != "--no-format" ]]; then bin/alluxio "${what}"; fi
}

# Several processes in one container: every signal is passed on to the children, and the container
# lives until all of them have exited (one dying alone does not end it).
forward_signal() {
  local signal="$1" pid
  # Background children ignore SIGINT; the original turns it into SIGHUP.
  if [[ "${signal}" -eq 2 ]]; then signal=1; fi
  for pid in $(jobs -p); do kill "-${signal}" "${pid}" 2>/dev/null || true; done
  wait
}

main() {
  if [[ $# -lt 1 ]]; then usage; exit 1; fi
  local service="$1"
  OPTION="${2:-}"

  # The MEM-tier default: set unless tiered storage is named in the environment. alluxio-config.sh
  # turns it into -D options that win over alluxio-site.properties.
  if [[ -z "${ALLUXIO_WORKER_TIEREDSTORE_LEVEL0_DIRS_PATH}" ]]; then
    export ALLUXIO_RAM_FOLDER="${ALLUXIO_RAM_FOLDER:-/dev/shm}"
  fi

  cd "${ALLUXIO_HOME}"
  write_env_conf

  local processes=()
  case "${service}" in
    master) format_unless_told_not_to formatMaster; processes=(job_master master) ;;
    master-only) format_unless_told_not_to formatMaster; processes=(master) ;;
    job-master) processes=(job_master) ;;
    worker) format_unless_told_not_to formatWorker; processes=(job_worker worker) ;;
    worker-only) format_unless_told_not_to formatWorker; processes=(worker) ;;
    job-worker) processes=(job_worker) ;;
    proxy) processes=(proxy) ;;
    *) usage; exit 1 ;;
  esac

  if [[ ${#processes[@]} -eq 1 ]]; then
    exec ./bin/launch-process "${processes[0]}" -c
  fi
  local i
  for i in $(seq 1 31); do trap "forward_signal ${i}" "${i}"; done
  trap "forward_signal 1" EXIT
  local process
  for process in "${processes[@]}"; do ./bin/launch-process "${process}" -c & done
  wait
}

main "$@"
