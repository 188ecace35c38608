#!/usr/bin/env bash
# Debian's Chromium for the demo page's browser tests, installed when missing (`npm test` does
# this itself; the logic lives in tools/test-services.sh).
exec bash "$(dirname "$0")/../tools/test-services.sh" start chromium
