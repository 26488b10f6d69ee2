#!/usr/bin/env bash
# Starts what Conveyor's tests and demo need on this machine, when it is not already running:
#   - a Docker engine (Debian's dockerd), answering `docker info`;
#   - a CNCF registry (Debian's docker-registry) on 127.0.0.1:5000 with filesystem storage.
# Installs the Debian packages first when run as root and they are missing.
# Idempotent: running it twice starts nothing twice. Logs go to $CONVEYOR_SERVICES_DIR.
set -euo pipefail

services_dir="${CONVEYOR_SERVICES_DIR:-${TMPDIR:-/tmp}/conveyor-services}"
registry_addr="${CONVEYOR_REGISTRY_ADDR:-127.0.0.1:5000}"
mkdir -p "$services_dir"

log() { printf 'start-services: %s\n' "$*"; }

install_missing() {
  local missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  [ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || missing+=(busybox-static)
  command -v git >/dev/null 2>&1 || missing+=(git)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if [ "${#missing[@]}" -eq 0 ]; then return 0; fi
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}"
    exit 2
  fi
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >"$services_dir/apt.log" 2>&1 || {
    tail -20 "$services_dir/apt.log"; exit 2; }
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local deadline=$(( $(date +%s) + $1 )); local what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then log "$what did not come up in time"; return 1; fi
    sleep 0.5
  done
}

start_docker() {
  if docker info >/dev/null 2>&1; then log "Docker engine already running"; return 0; fi
  if [ "$(id -u)" -ne 0 ]; then
    log "no Docker engine answers and we are not root: start one (sudo dockerd &) and retry"
    exit 2
  fi
  log "starting dockerd (log: $services_dir/dockerd.log)"
  # Pre-existing pid files from a killed engine block a new start.
  rm -f /var/run/docker.pid /run/docker/containerd/containerd.pid 2>/dev/null || true
  nohup dockerd --host unix:///var/run/docker.sock >"$services_dir/dockerd.log" 2>&1 &
  if ! wait_for 60 "dockerd" docker info; then tail -30 "$services_dir/dockerd.log"; exit 2; fi
  log "Docker engine is up: $(docker info --format '{{.ServerVersion}} ({{.Driver}})')"
}

registry_answers() { curl -fsS "http://$registry_addr/v2/" >/dev/null; }

start_registry() {
  if registry_answers 2>/dev/null; then log "registry already answers on $registry_addr"; return 0; fi
  local storage; storage=$(mktemp -d "$services_dir/registry-storage.XXXXXX")
  cat >"$services_dir/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $storage
  delete:
    enabled: true
http:
  addr: $registry_addr
YAML
  log "starting docker-registry on $registry_addr (storage: $storage)"
  nohup docker-registry serve "$services_dir/registry.yml" >"$services_dir/registry.log" 2>&1 &
  if ! wait_for 30 "registry" registry_answers; then tail -30 "$services_dir/registry.log"; exit 2; fi
  log "registry is up on $registry_addr"
}

install_missing
start_docker
start_registry
