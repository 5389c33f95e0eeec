#!/usr/bin/env bash
# Run a command with PgBouncer in transaction pooling mode in front of the
# PostgreSQL on PGHOST:PGPORT (127.0.0.1:5432), user PGUSER (postgres, trust):
#
#   .ci/pgbouncer.sh COMMAND [ARGS...]     (`make test-pgbouncer` runs pytest so)
#
# Installs Debian's pgbouncer with apt when it is missing (as root), writes its
# configuration to a temporary directory, starts it on 127.0.0.1:PGBOUNCER_PORT
# (6433: a packaged pgbouncer service may hold 6432), runs the command with
# PGBOUNCER_URL naming it, then stops it. Every database name is passed
# through (`* =`), so tests can create databases on the server directly and
# reach them through PgBouncer.
set -euo pipefail

PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
PGBOUNCER_PORT="${PGBOUNCER_PORT:-6433}"

if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

pgbouncer="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
if [ ! -x "${pgbouncer}" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "pgbouncer is not installed, and this is not root on Debian: install it first" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq pgbouncer >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq pgbouncer >/dev/null; }
  pgbouncer=/usr/sbin/pgbouncer
fi
"${pgbouncer}" --version | head -n 1

answers() {
  python3 -c "import socket; socket.create_connection(('127.0.0.1', ${PGBOUNCER_PORT}), 1).close()" \
    2>/dev/null
}
if answers; then
  echo "127.0.0.1:${PGBOUNCER_PORT} is taken: set PGBOUNCER_PORT to a free port" >&2
  exit 1
fi

workdir="$(mktemp -d -t pgbouncer-XXXXXX)"
# PgBouncer refuses to run as root; started by root, it becomes postgres.
run_as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "${workdir}"
  run_as=(-u postgres)
fi

printf '"%s" ""\n' "${PGUSER}" >"${workdir}/userlist.txt"
# ignore_startup_parameters: PgBouncer refuses a connection whose startup
# packet has a parameter it does not track, and the service sends its
# statement timeout there; PgBouncer sets the timeout on each server
# connection instead (connect_query; in production, ALTER ROLE ... SET).
cat >"${workdir}/pgbouncer.ini" <<INI
[databases]
* = host=${PGHOST} port=${PGPORT} connect_query='SET statement_timeout = 5000'

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${PGBOUNCER_PORT}
unix_socket_dir =
auth_type = trust
auth_file = ${workdir}/userlist.txt
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
ignore_startup_parameters = statement_timeout
logfile = ${workdir}/pgbouncer.log
INI

"${pgbouncer}" -q "${run_as[@]}" "${workdir}/pgbouncer.ini" &
pgbouncer_pid=$!
stop() {
  kill "${pgbouncer_pid}" 2>/dev/null || true
  wait "${pgbouncer_pid}" 2>/dev/null || true
  rm -rf "${workdir}"
}
trap stop EXIT

for _ in $(seq 50); do
  answers && break
  sleep 0.1
done
if ! answers || ! kill -0 "${pgbouncer_pid}" 2>/dev/null; then
  echo "PgBouncer did not start on 127.0.0.1:${PGBOUNCER_PORT}:" >&2
  cat "${workdir}/pgbouncer.log" >&2 || true
  exit 1
fi

export PGBOUNCER_URL="postgresql+asyncpg://${PGUSER}@127.0.0.1:${PGBOUNCER_PORT}/postgres"
echo "PgBouncer (transaction pooling) on 127.0.0.1:${PGBOUNCER_PORT} in front of ${PGHOST}:${PGPORT}"
status=0
"$@" || status=$?
if [ "${status}" != 0 ]; then
  echo "== the last lines of PgBouncer's log ==" >&2
  tail -n 30 "${workdir}/pgbouncer.log" >&2 || true
fi
exit "${status}"
