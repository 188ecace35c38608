#!/usr/bin/env bash
# The demo page's browser test drives Debian's Chromium through playwright-core (npm); Chromium
# comes from Debian's packages, since no browser download is possible here.
set -uo pipefail
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || exit 1
fi
/usr/bin/chromium --version
