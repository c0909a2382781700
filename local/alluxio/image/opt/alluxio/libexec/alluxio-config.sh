#!/usr/bin/env bash
# Stand-in for the image's /opt/alluxio/libexec/alluxio-config.sh (Alluxio 2.x libexec/alluxio-config.sh):
# sourced by bin/alluxio and bin/launch-process, it sources conf/alluxio-env.sh and builds the Java
# options of every process. Ours, written from that file's behaviour (see README.md in the image folder).

ALLUXIO_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ALLUXIO_CONF_DIR="${ALLUXIO_CONF_DIR:-${ALLUXIO_HOME}/conf}"
ALLUXIO_LOGS_DIR="${ALLUXIO_LOGS_DIR:-${ALLUXIO_HOME}/logs}"
ALLUXIO_USER_LOGS_DIR="${ALLUXIO_USER_LOGS_DIR:-${ALLUXIO_LOGS_DIR}/user}"

# What the entrypoint's writeConf appended (ALLUXIO_JAVA_OPTS and friends).
if [[ -e "${ALLUXIO_CONF_DIR}/alluxio-env.sh" ]]; then
  . "${ALLUXIO_CONF_DIR}/alluxio-env.sh"
fi

if [[ -z "${JAVA}" ]]; then
  if [[ -n "${JAVA_HOME}" && -x "${JAVA_HOME}/bin/java" ]]; then
    JAVA="${JAVA_HOME}/bin/java"
  elif command -v java >/dev/null 2>&1; then
    JAVA="$(command -v java)"
  else
    echo "Error: Cannot find 'java' on PATH or under \$JAVA_HOME/bin/." >&2
    exit 1
  fi
fi
# (The image's Java version check, 8 or 11, is left out: this machine runs Alluxio 2.9.6 on Java 17.)

# The image has one assembly jar; the stand-in has the Maven jars in lib/.
ALLUXIO_CLIENT_CLASSPATH="${ALLUXIO_CONF_DIR}/:${ALLUXIO_CLASSPATH}:${ALLUXIO_HOME}/lib/*"
ALLUXIO_SERVER_CLASSPATH="${ALLUXIO_CONF_DIR}/:${ALLUXIO_CLASSPATH}:${ALLUXIO_HOME}/lib/*"

ALLUXIO_JAVA_OPTS+=" -Dalluxio.home=${ALLUXIO_HOME}"
ALLUXIO_JAVA_OPTS+=" -Dalluxio.conf.dir=${ALLUXIO_CONF_DIR} -Dalluxio.logs.dir=${ALLUXIO_LOGS_DIR} -Dalluxio.user.logs.dir=${ALLUXIO_USER_LOGS_DIR}"

# The trap the construct's worker script steps around: a RAM folder becomes a MEM tier on that folder,
# as -D options, which take precedence over alluxio-site.properties.
if [[ -n "${ALLUXIO_RAM_FOLDER}" ]]; then
  ALLUXIO_JAVA_OPTS+=" -Dalluxio.worker.tieredstore.level0.alias=MEM"
  ALLUXIO_JAVA_OPTS+=" -Dalluxio.worker.tieredstore.level0.dirs.path=${ALLUXIO_RAM_FOLDER}"
fi
if [[ -n "${ALLUXIO_MASTER_HOSTNAME}" ]]; then
  ALLUXIO_JAVA_OPTS+=" -Dalluxio.master.hostname=${ALLUXIO_MASTER_HOSTNAME}"
fi
if [[ -n "${ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS}" ]]; then
  ALLUXIO_JAVA_OPTS+=" -Dalluxio.master.mount.table.root.ufs=${ALLUXIO_MASTER_MOUNT_TABLE_ROOT_UFS}"
fi

ALLUXIO_JAVA_OPTS+=" -Dlog4j.configuration=file:${ALLUXIO_CONF_DIR}/log4j.properties"
ALLUXIO_JAVA_OPTS+=" -Dorg.apache.jasper.compiler.disablejsr199=true"
ALLUXIO_JAVA_OPTS+=" -Djava.net.preferIPv4Stack=true"

# Each process: its logger, then ALLUXIO_JAVA_OPTS, then its own ALLUXIO_<PROCESS>_JAVA_OPTS (last wins).
ALLUXIO_MASTER_JAVA_OPTS=" -Dalluxio.logger.type=${ALLUXIO_MASTER_LOGGER:-MASTER_LOGGER} -Dalluxio.master.audit.logger.type=${ALLUXIO_MASTER_AUDIT_LOGGER:-MASTER_AUDIT_LOGGER} ${ALLUXIO_JAVA_OPTS} ${ALLUXIO_MASTER_JAVA_OPTS}"
ALLUXIO_JOB_MASTER_JAVA_OPTS=" -Dalluxio.logger.type=${ALLUXIO_JOB_MASTER_LOGGER:-JOB_MASTER_LOGGER} ${ALLUXIO_JAVA_OPTS} ${ALLUXIO_JOB_MASTER_JAVA_OPTS}"
ALLUXIO_WORKER_JAVA_OPTS=" -Dalluxio.logger.type=${ALLUXIO_WORKER_LOGGER:-WORKER_LOGGER} ${ALLUXIO_JAVA_OPTS} ${ALLUXIO_WORKER_JAVA_OPTS}"
ALLUXIO_JOB_WORKER_JAVA_OPTS=" -Dalluxio.logger.type=${ALLUXIO_JOB_WORKER_LOGGER:-JOB_WORKER_LOGGER} ${ALLUXIO_JAVA_OPTS} ${ALLUXIO_JOB_WORKER_JAVA_OPTS}"
ALLUXIO_PROXY_JAVA_OPTS=" -Dalluxio.logger.type=${ALLUXIO_PROXY_LOGGER:-PROXY_LOGGER} ${ALLUXIO_JAVA_OPTS} ${ALLUXIO_PROXY_JAVA_OPTS}"
ALLUXIO_USER_JAVA_OPTS=" -Dalluxio.logger.type=USER_LOGGER ${ALLUXIO_JAVA_OPTS} ${ALLUXIO_USER_JAVA_OPTS}"
