#!/usr/bin/env bash
# Sourced by the README's two commands: `npm ci` when node_modules is missing or no longer matches
# package-lock.json. npm rewrites node_modules/.package-lock.json on every install, so a lock newer
# than it means a pull or a new dependency since.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "[setup] npm ci (node_modules missing or older than package-lock.json)"
  npm ci --no-audit --no-fund
fi
