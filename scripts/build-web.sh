#!/usr/bin/env bash
# Builds the workbench front end (web/) into web/dist when its sources changed: npm ci from
# package-lock.json (the npm registry), TypeScript check, Vite build. Offline afterwards.
set -euo pipefail
cd "$(dirname "$0")/../web"
stamp=dist/.built-from
want=$(cat package-lock.json $(find src index.html vite.config.ts tsconfig.json -type f | sort) | sha256sum | cut -c1-64)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f dist/index.html ]; then
  exit 0
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "web: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "web: building the front end"
npm run --silent build > /dev/null
echo "$want" > "$stamp"
