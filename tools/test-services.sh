#!/usr/bin/env bash
# What the test suites need on loopback, at the fixed ports they look for:
#   postgres       PostgreSQL on 127.0.0.1:5432, trust auth for user postgres, a database `test`
#   redis          Redis on 127.0.0.1:6379 (and redis-server on the PATH: tests start private ones)
#   redis-cluster  a Redis Cluster of 3 masters and 3 replicas on 127.0.0.1:7001-7006 (a replica
#                  takes over when a master dies, as on a managed cluster)
#   pgbouncer      PgBouncer in transaction pooling mode on 127.0.0.1:6432, in front of 5432
#   nginx          the nginx binary (the tests behind a reverse proxy start their own)
#   chromium       /usr/bin/chromium (the demo page's browser tests launch it)
#
#   bash tools/test-services.sh start [PART...]   starts what is not running (all parts by default)
#   bash tools/test-services.sh stop [PART...]    stops the parts this script runs (all by default)
#   bash tools/test-services.sh status [PART...]  succeeds when every part is up
#
# What it starts are private instances from the installed binaries, with their data, sockets and
# logs in one state directory per network namespace (TX402_SERVICES_DIR, default
# /tmp/tx402-services[-<netns>]); the machine's own services are never touched. A missing binary
# is installed from Debian's packages when running as root with apt-get (TX402_NO_INSTALL=1
# forbids it). A part that cannot be started is reported, and `start` still succeeds: its suites
# skip (see describeWithServices in @tx402/testing/services). When TX402_SERVICES_STARTED names a
# file, `start` appends to it each part it launches (`launching PART`) and, once up, starts
# (`PART`), so the caller stops only those, half-started ones too (tools/test.mjs). With
# TX402_TEST_RUN=<pid of the run>, runs at once share what they start (see register_run).
# Nothing is persisted but PostgreSQL's initialised data directory, kept to start fast next time.
set -uo pipefail
# A closed stdout (`npm test | head`) must not kill a stop half-way.
trap "" PIPE

all_parts=(postgres redis redis-cluster pgbouncer nginx chromium)
cluster_ports=(7001 7002 7003 7004 7005 7006)
pgbouncer_port=6432
ns=$(ip netns identify $$ 2>/dev/null || true)
state=${TX402_SERVICES_DIR:-/tmp/tx402-services${ns:+-$ns}}
nginx_bin=${NGINX_BIN:-/usr/sbin/nginx}
chromium_bin=/usr/bin/chromium

say() { echo "test services: $*"; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [ "$(id -u)" = 0 ]; }
can_install() { is_root && have apt-get && [ -z "${TX402_NO_INSTALL:-}" ]; }
why_not_install() {
  if [ -n "${TX402_NO_INSTALL:-}" ]; then echo "TX402_NO_INSTALL is set"
  elif ! is_root; then echo "not root"
  else echo "no apt-get"; fi
}

apt_updated=0
apt_install() {
  can_install || return 1
  say "installing $* from Debian's packages"
  [ "$apt_updated" = 1 ] || { apt-get update -qq >/dev/null && apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # command, tries of 0.2 s
  for _ in $(seq 1 "${2:-150}"); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  return 1
}

# Accepts a TCP connection on 127.0.0.1:$1 (bash's /dev/tcp: no client binary needed).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Whether Redis answers PING on 127.0.0.1:$1, or PostgreSQL (or PgBouncer) an SSLRequest: a port
# taken by another program is no service (as describeWithServices probes it).
redis_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'PING\r\n' >&3 && IFS= read -r -t 2 reply <&3 &&
    [[ $reply == +PONG* ]]) 2>/dev/null
}
postgres_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1" && printf '\x00\x00\x00\x08\x04\xd2\x16\x2f' >&3 &&
    IFS= read -r -n 1 -t 2 reply <&3 && [[ $reply == S || $reply == N ]]) 2>/dev/null
}
taken() { # part port what
  say "$1: cannot start: 127.0.0.1:$2 is taken by a program that does not answer as $3 (stop it; the suites that need it skip)"
}

# Written before a part's processes are launched, so the caller also stops what a start left
# half-done: a start that failed half-way, or one a Ctrl-C interrupted.
launching() {
  [ -n "${TX402_SERVICES_STARTED:-}" ] && echo "launching $1" >>"$TX402_SERVICES_STARTED"
  [ -n "${TX402_TEST_RUN:-}" ] && echo "$1" >>"$state/launched"
  return 0
}

# Several test runs at once in one namespace (two terminals) share the services: each run
# registers its process id (TX402_TEST_RUN) at start; a run's stop leaves the services running
# while another registered run is alive, and the last one stops what any of them launched.
register_run() {
  ( have flock && flock 9; mkdir -p "$state/runs"; : >"$state/runs/$TX402_TEST_RUN" ) 9>"$state/lock"
}

# Prints the parts to stop for this run's stop (none while another run is alive). Called with
# the lock held, so a run starting meanwhile registers after the stop and starts afresh.
parts_for_last_run() {
  local others=() file pid
  rm -f "$state/runs/$TX402_TEST_RUN"
  for file in "$state"/runs/*; do
    [ -e "$file" ] || continue
    pid=${file##*/}
    if kill -0 "$pid" 2>/dev/null; then others+=("$pid"); else rm -f "$file"; fi
  done
  if [ ${#others[@]} -gt 0 ]; then
    printf '%s\n' "$@" >>"$state/launched"
    say "left running: test run(s) ${others[*]} still use them (the last run stops them)" >&2
    return 0
  fi
  local wanted
  wanted=" $* $(cat "$state/launched" 2>/dev/null | tr '\n' ' ') "
  rm -f "$state/launched"
  for part in "${all_parts[@]}"; do
    case "$wanted" in *" $part "*) echo "$part" ;; esac
  done
}

started() {
  say "$1: started $2"
  [ -n "${TX402_SERVICES_STARTED:-}" ] && echo "$1" >>"$TX402_SERVICES_STARTED"
  return 0
}

# Runs a command as the postgres user when root (PostgreSQL and PgBouncer refuse to run as root).
as_service_user() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

# ---------------------------------------------------------------------------------- PostgreSQL

pg_bindir() {
  local found
  if have pg_ctl && have initdb; then
    found=$(dirname "$(readlink -f "$(command -v pg_ctl)")")
    [ -x "$found/postgres" ] && { echo "$found"; return 0; }
  fi
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$found" ] && [ -x "$found/postgres" ] && { echo "$found"; return 0; }
  return 1
}

pg_up() { postgres_answers 5432; }

start_postgres() {
  if pg_up; then say "postgres: already up on 127.0.0.1:5432"; return 0; fi
  if port_open 5432; then taken postgres 5432 PostgreSQL; return 1; fi
  local bin dir="$state/postgres"
  if ! bin=$(pg_bindir); then
    apt_install postgresql postgresql-client || {
      say "postgres: cannot start: PostgreSQL is not installed and cannot be ($(why_not_install))"
      return 1
    }
    # Debian's package may start its own cluster on 5432: then that one serves the tests.
    if pg_up; then say "postgres: the installed package's server is up on 5432"; return 0; fi
    bin=$(pg_bindir) || return 1
  fi
  if is_root && ! id postgres >/dev/null 2>&1; then
    say "postgres: cannot start: running as root and there is no postgres user to run it as"
    return 1
  fi
  mkdir -p "$dir"
  is_root && chown postgres "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    rm -rf "$dir/data"
    as_service_user "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale \
      --no-sync >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
  fi
  # Its own socket directory: /var/run/postgresql belongs to the machine's server. setsid keeps
  # a Ctrl-C in the terminal for the test run (which then stops this server itself).
  local detach=()
  have setsid && detach=(setsid -w)
  launching postgres
  as_service_user "${detach[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -s \
    -o "-c listen_addresses=127.0.0.1 -c port=5432 -c unix_socket_directories=$dir \
        -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start </dev/null || { tail -n 20 "$dir/postgres.log"; return 1; }
  # -h: the socket directory (psql may be missing; each suite creates its own database anyway).
  if have psql; then
    psql -h "$dir" -U postgres -tAc "select 1 from pg_database where datname = 'test'" postgres |
      grep -q 1 || psql -h "$dir" -U postgres -qc "create database test" postgres >/dev/null
  fi
  started postgres "PostgreSQL $(cat "$dir/data/PG_VERSION") on 127.0.0.1:5432 (data in $dir/data)"
}

stop_postgres() {
  local bin dir="$state/postgres"
  [ -f "$dir/data/postmaster.pid" ] || return 0
  bin=$(pg_bindir) || return 0
  as_service_user "$bin/pg_ctl" -D "$dir/data" -m fast -w -s stop >/dev/null 2>&1 && say "postgres: stopped"
}

# --------------------------------------------------------------------------------------- Redis

ensure_redis_binaries() {
  have redis-server && have redis-cli && return 0
  have redis-server || apt_install redis-server || return 1
  have redis-cli || apt_install redis-tools || return 1
}

start_redis() {
  if ! ensure_redis_binaries; then
    say "redis: cannot start: redis-server or redis-cli is not installed and cannot be ($(why_not_install))"
    return 1
  fi
  if redis_answers 6379; then say "redis: already up on 127.0.0.1:6379"; return 0; fi
  if port_open 6379; then taken redis 6379 Redis; return 1; fi
  local dir="$state/redis-6379"
  mkdir -p "$dir"
  # --daemonize: redis forks into its own session, out of reach of a Ctrl-C.
  launching redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" || return 1
  wait_for "redis-cli -p 6379 ping" || { say "redis: did not come up (log: $dir/redis.log)"; return 1; }
  started redis "Redis $(redis-server --version | sed -E 's/.* v=([^ ]+).*/\1/') on 127.0.0.1:6379"
}

# Whether process $1 runs program $2: a pidfile outlives a server that died, and its pid may
# since belong to some other program, which must not be killed.
runs_program() {
  [ -n "$1" ] && [ "$(ps -p "$1" -o comm= 2>/dev/null)" = "$2" ]
}

stop_pidfile() { # pidfile program
  [ -f "$1" ] || return 1
  local pid
  pid=$(cat "$1")
  runs_program "$pid" "$2" || { rm -f "$1"; return 1; }
  kill "$pid" 2>/dev/null || { rm -f "$1"; return 1; }
  for _ in $(seq 1 50); do runs_program "$pid" "$2" || break; sleep 0.1; done
  runs_program "$pid" "$2" && kill -9 "$pid" 2>/dev/null
  rm -f "$1"
}

stop_redis() { stop_pidfile "$state/redis-6379/redis.pid" redis-server && say "redis: stopped"; }

# ------------------------------------------------------------------------------- Redis Cluster

cluster_healthy() {
  for port in "${cluster_ports[@]}"; do
    redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    [ "$(redis-cli -p "$port" cluster nodes 2>/dev/null | grep -c connected)" = 6 ] || return 1
  done
}

start_redis_cluster() {
  if ! ensure_redis_binaries; then
    say "redis-cluster: cannot start: redis-server or redis-cli is not installed and cannot be ($(why_not_install))"
    return 1
  fi
  cluster_healthy && { say "redis-cluster: already up on 127.0.0.1:7001-7006"; return 0; }
  # Half a cluster (or a stale nodes.conf) is started over from nothing.
  stop_redis_cluster >/dev/null
  # A node of ours whose pidfile is gone is known by its directory; another program's Redis on
  # these ports is left alone (the cluster then fails to form, and says so).
  for port in "${cluster_ports[@]}"; do
    [[ "$(redis-cli -p "$port" config get dir 2>/dev/null | sed -n 2p)" == "$state/redis/"* ]] &&
      redis-cli -p "$port" shutdown nosave >/dev/null 2>&1
  done
  rm -rf "$state/redis"
  launching redis-cluster
  for port in "${cluster_ports[@]}"; do
    local dir="$state/redis/$port"
    mkdir -p "$dir"
    # Its own config file, so a test that kills a node can start it again from INFO's config_file.
    cat >"$dir/redis.conf" <<EOF
port $port
bind 127.0.0.1
daemonize yes
dir $dir
pidfile $dir/redis.pid
logfile $dir/redis.log
save ""
appendonly no
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout 1000
cluster-replica-validity-factor 0
cluster-require-full-coverage no
EOF
    redis-server "$dir/redis.conf" || return 1
  done
  for port in "${cluster_ports[@]}"; do
    wait_for "redis-cli -p $port ping" || { say "redis-cluster: node $port did not come up"; return 1; }
  done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${cluster_ports[@]}") --cluster-replicas 1 \
    --cluster-yes >"$state/redis/create.log" 2>&1 || { cat "$state/redis/create.log"; return 1; }
  wait_for cluster_healthy 300 || { say "redis-cluster: not healthy after 60 s"; return 1; }
  started redis-cluster "Redis Cluster, 3 masters + 3 replicas on 127.0.0.1:7001-7006"
}

stop_redis_cluster() {
  local any=1
  for port in "${cluster_ports[@]}"; do stop_pidfile "$state/redis/$port/redis.pid" redis-server && any=0; done
  [ "$any" = 0 ] && say "redis-cluster: stopped"
  return 0
}

# ----------------------------------------------------------------------------------- PgBouncer

pgbouncer_bin() { command -v pgbouncer 2>/dev/null || { [ -x /usr/sbin/pgbouncer ] && echo /usr/sbin/pgbouncer; }; }

start_pgbouncer() {
  if postgres_answers "$pgbouncer_port"; then say "pgbouncer: already up on 127.0.0.1:$pgbouncer_port"; return 0; fi
  if port_open "$pgbouncer_port"; then taken pgbouncer "$pgbouncer_port" PgBouncer; return 1; fi
  local bin dir="$state/pgbouncer"
  bin=$(pgbouncer_bin) || { apt_install pgbouncer && bin=$(pgbouncer_bin); } || {
    say "pgbouncer: cannot start: pgbouncer is not installed and cannot be ($(why_not_install))"
    return 1
  }
  stop_pidfile "$dir/pgbouncer.pid" pgbouncer
  mkdir -p "$dir"
  echo '"postgres" ""' >"$dir/userlist.txt"
  # Transaction pooling, as hosted poolers run it; no extra startup parameter is accepted, so a
  # client that sets session state at connect time fails here as it would there.
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pgbouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 2000
default_pool_size = 20
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
  # PgBouncer refuses to run as root; -u drops to postgres.
  launching pgbouncer
  if is_root; then
    chown -R postgres "$dir"
    "$bin" -d -u postgres "$dir/pgbouncer.ini" >/dev/null || return 1
  else
    "$bin" -d "$dir/pgbouncer.ini" >/dev/null || return 1
  fi
  wait_for "port_open $pgbouncer_port" || { say "pgbouncer: did not come up (log: $dir/pgbouncer.log)"; return 1; }
  started pgbouncer "PgBouncer, transaction pooling on 127.0.0.1:$pgbouncer_port -> 127.0.0.1:5432"
}

stop_pgbouncer() { stop_pidfile "$state/pgbouncer/pgbouncer.pid" pgbouncer && say "pgbouncer: stopped"; }

# ------------------------------------------------------------------------- nginx and Chromium

start_nginx() {
  if [ ! -x "$nginx_bin" ]; then
    apt_install nginx || {
      say "nginx: cannot install: $nginx_bin is missing ($(why_not_install))"
      return 1
    }
    # Debian's package starts a service on port 80; the tests need none.
    service nginx stop >/dev/null 2>&1 || true
  fi
  say "nginx: $("$nginx_bin" -v 2>&1 | sed 's/^nginx version: //') (the tests start their own)"
}

start_chromium() {
  if [ ! -x "$chromium_bin" ]; then
    apt_install chromium || {
      say "chromium: cannot install: $chromium_bin is missing ($(why_not_install))"
      return 1
    }
  fi
  say "chromium: $("$chromium_bin" --version 2>/dev/null | head -n 1) (the browser tests launch it)"
}

stop_nginx() { :; }
stop_chromium() { :; }

status_postgres() { pg_up; }
status_redis() { redis_answers 6379; }
status_redis_cluster() { cluster_healthy; }
status_pgbouncer() { postgres_answers "$pgbouncer_port"; }
status_nginx() { [ -x "$nginx_bin" ]; }
status_chromium() { [ -x "$chromium_bin" ]; }

# ------------------------------------------------------------------------------------------ main

command=${1:-start}
shift || true
parts=("$@")
# A run's stop names what it launched (maybe nothing); otherwise no part means every part.
[ ${#parts[@]} -gt 0 ] || [ "$command $#" = "stop 0" -a -n "${TX402_TEST_RUN:-}" ] || parts=("${all_parts[@]}")
for part in "${parts[@]}"; do
  case " ${all_parts[*]} " in *" $part "*) ;; *) echo "unknown part: $part (${all_parts[*]})" >&2; exit 2 ;; esac
done
mkdir -p "$state" 2>/dev/null
if [ ! -w "$state" ]; then
  # Another user's (root's, say) directory: nothing can be started or stopped from here.
  say "cannot use $state (not writable by $(id -un)): set TX402_SERVICES_DIR to a directory of yours"
  [ "$command" = status ] && exit 1
  exit 0
fi

case "$command" in
  start)
    [ -n "${TX402_TEST_RUN:-}" ] && register_run
    for part in "${parts[@]}"; do "start_${part//-/_}" || true; done
    ;;
  stop)
    if [ -n "${TX402_TEST_RUN:-}" ]; then
      exec 9>"$state/lock"
      have flock && flock 9
      mapfile -t parts < <(parts_for_last_run "$@")
    fi
    # The reverse of the start order: PgBouncer before the PostgreSQL behind it.
    for ((i = ${#parts[@]} - 1; i >= 0; i--)); do "stop_${parts[i]//-/_}" || true; done
    ;;
  status)
    for part in "${parts[@]}"; do "status_${part//-/_}" >/dev/null 2>&1 || exit 1; done
    ;;
  *)
    echo "usage: $0 start|stop|status [${all_parts[*]}]" >&2
    exit 2
    ;;
esac
exit 0
