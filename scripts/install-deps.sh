#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the demo need, then the npm packages
# of package.json (the dashboard's chart library, the browser tests' playwright-core) into
# node_modules/. Idempotent: when all are present it only checks and exits. Works as root or
# through sudo (npm runs as the calling user).
set -euo pipefail

# Build: compilers and tools. Libraries: see docs/ARCHITECTURE.md "Dependencies". Labels:
# zint and cairo (with the DejaVu font); their tests read labels back with zbarimg, dmtxread
# and rsvg-convert.
packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev python3
  libsodium-dev libjansson-dev libcmocka-dev libsqlite3-dev sqlite3 libssl-dev
  libmicrohttpd-dev python3-yaml python3-jsonschema curl
  libzint-dev libcairo2-dev fonts-dejavu-core zlib1g-dev
  zbar-tools dmtx-utils librsvg2-bin
  nodejs chromium fonts-wqy-microhei
)
here=$(cd "$(dirname "$0")/.." && pwd)

# npm packages: installed from package-lock.json when node_modules is missing or older
npm_deps() {
  if [ ! -d "$here/node_modules/chart.js" ] || [ ! -d "$here/node_modules/playwright-core" ] ||
    [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    echo "install-deps: installing npm packages (package-lock.json)"
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ] && command -v npm >/dev/null 2>&1; then
  npm_deps
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps: need root or sudo to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's nodejs comes without npm (NodeSource's has it built in)
command -v npm >/dev/null 2>&1 || "${sudo[@]}" apt-get install -y -qq --no-install-recommends npm
npm_deps
