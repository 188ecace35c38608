#!/usr/bin/env bash
# The Redis Cluster (127.0.0.1:7001-7006) and PgBouncer (127.0.0.1:6432) of the multi-machine
# ledger's tests: `start` starts what is not running, `status` succeeds when both are up, `stop`
# stops both. `npm test` does this itself; the logic lives in tools/test-services.sh.
exec bash "$(dirname "$0")/../tools/test-services.sh" "${1:-start}" redis-cluster pgbouncer
