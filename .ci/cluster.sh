#!/usr/bin/env bash
# The multi-machine ledger's services, on loopback at fixed ports the tests look for:
#   a Redis Cluster of 3 masters and 3 replicas on 127.0.0.1:7001-7006 (a replica takes over
#   when a master dies, as on a managed cluster), and PgBouncer in transaction pooling mode on
#   127.0.0.1:6432 in front of the PostgreSQL on 127.0.0.1:5432 (every database, user postgres).
# `bash .ci/cluster.sh start` starts what is not running (installing redis-server, redis-tools and
# pgbouncer from Debian's packages when missing); `status` succeeds when both are up; `stop` stops
# all of it. Nothing is persisted.
set -uo pipefail

ports=(7001 7002 7003 7004 7005 7006)
pgbouncer_port=6432
# One state directory per network namespace, so namespaces sharing /tmp never share a cluster.
ns=$(ip netns identify $$ 2>/dev/null || true)
state=${TX402_SERVICES_DIR:-/tmp/tx402-services${ns:+-$ns}}

apt_updated=0
apt_install() {
  [ "$apt_updated" = 1 ] || { apt-get update -qq && apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # command, what
  for _ in $(seq 1 60); do eval "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "$2 did not come up" >&2
  return 1
}

cluster_healthy() {
  for port in "${ports[@]}"; do
    redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
    [ "$(redis-cli -p "$port" cluster nodes 2>/dev/null | grep -c connected)" = 6 ] || return 1
  done
}

stop_cluster() {
  for port in "${ports[@]}"; do redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; done
}

stop_pgbouncer() {
  local pidfile="$state/pgbouncer/pgbouncer.pid"
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
  rm -f "$pidfile"
}

start_cluster() {
  cluster_healthy && { echo "redis cluster: already up on 7001-7006"; return 0; }
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools
  # Half a cluster (or a stale nodes.conf) is started over from nothing.
  stop_cluster
  rm -rf "$state/redis"
  for port in "${ports[@]}"; do
    dir="$state/redis/$port"
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
  for port in "${ports[@]}"; do wait_for "redis-cli -p $port ping" "redis node $port" || return 1; done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 1 \
    --cluster-yes >"$state/redis/create.log" 2>&1 || { cat "$state/redis/create.log"; return 1; }
  wait_for cluster_healthy "redis cluster" || return 1
  echo "redis cluster: 3 masters + 3 replicas on 127.0.0.1:7001-7006"
}

start_pgbouncer() {
  if pg_isready -q -h 127.0.0.1 -p "$pgbouncer_port" 2>/dev/null; then
    echo "pgbouncer: already up on $pgbouncer_port"
    return 0
  fi
  command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ] || apt_install pgbouncer
  local bin dir="$state/pgbouncer"
  bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
  stop_pgbouncer
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
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$dir"
    "$bin" -d -u postgres "$dir/pgbouncer.ini" || return 1
  else
    "$bin" -d "$dir/pgbouncer.ini" || return 1
  fi
  wait_for "pg_isready -q -h 127.0.0.1 -p $pgbouncer_port" PgBouncer || return 1
  echo "pgbouncer: transaction pooling on 127.0.0.1:$pgbouncer_port -> 127.0.0.1:5432"
}

case "${1:-start}" in
  start) start_cluster && start_pgbouncer ;;
  status) cluster_healthy && pg_isready -q -h 127.0.0.1 -p "$pgbouncer_port" ;;
  stop)
    stop_cluster
    stop_pgbouncer
    echo "redis cluster and pgbouncer stopped"
    ;;
  *)
    echo "usage: $0 start|status|stop" >&2
    exit 2
    ;;
esac
