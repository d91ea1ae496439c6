#!/usr/bin/env bash
# `npm run demo`: from a fresh clone, install what is missing, build, and run the whole pipeline on
# embedded defaults (loopback Kafka-protocol broker, embedded PostgreSQL unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing dependencies (npm ci)…"
  # npm 11 writes lock files without other platforms' optional binaries and then refuses them in
  # `npm ci`; `npm install` honours the locked versions all the same.
  npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error
fi
echo "building the broker launcher and the services…"
bash tools/kafka-mock/build.sh
NX_DAEMON=false npx nx run-many -t build --projects=demo,ingestion,deidentify,review,fanout --output-style=static >/dev/null
exec node --enable-source-maps dist/apps/demo/src/main.js "$@"
