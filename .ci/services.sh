#!/usr/bin/env bash
# PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) started when not running, nginx installed
# (`npm test` does this itself; the logic lives in tools/test-services.sh).
exec bash "$(dirname "$0")/../tools/test-services.sh" start postgres redis nginx
