#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, trust auth for local tests) and Redis (127.0.0.1:6379)
# are running: starts them if stopped, installs them from Debian's packages if missing. Installs
# nginx too, without starting it: the tests behind a reverse proxy start their own (see
# packages/reliability/src/test/nginx.ts).
set -uo pipefail

apt_updated=0
apt_install() {
  [ "$apt_updated" = 1 ] || { apt-get update -qq && apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # command, what
  for _ in $(seq 1 30); do eval "$1" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "$2 did not come up" >&2
  return 1
}

if ! [ -x /usr/sbin/nginx ]; then
  apt_install nginx
  # Debian's package starts a service on port 80; the tests need none.
  service nginx stop >/dev/null 2>&1 || true
fi
echo "nginx: $(/usr/sbin/nginx -v 2>&1)"

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server redis-tools
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for "redis-cli -h 127.0.0.1 -p 6379 ping" Redis || exit 1
fi
echo "redis: $(redis-cli -h 127.0.0.1 -p 6379 ping)"

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql postgresql-client
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # Tests connect as postgres over loopback without a password, as on the development machines.
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    sed -i -E 's/^(local\s+all\s+(postgres|all)\s+)\S+/\1trust/' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_for "pg_isready -q -h 127.0.0.1 -p 5432" PostgreSQL || exit 1
fi
psql -h 127.0.0.1 -U postgres -tAc "select 'postgres: ' || version()" postgres | cut -c1-60 || exit 1
psql -h 127.0.0.1 -U postgres -tAc "select 1 from pg_database where datname = 'test'" postgres | grep -q 1 ||
  psql -h 127.0.0.1 -U postgres -c "create database test" postgres >/dev/null
