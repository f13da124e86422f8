#!/usr/bin/env bash
# Fidelity suite: drives the Salesforce org emulator with real third-party clients from npm
# (jsforce, cometd + cometd-nodejs-client), pinned in package-lock.json.
#
# Builds nothing: it starts the emulator from the already-built output, so the caller builds first
# (e.g. `dotnet build src/Connector.SalesforceEmulator`). Ends with one machine-readable line
#   fidelity-js: N passed, N failed[, N skipped]
# and exits non-zero when any test failed or the suite could not run.
#
# Environment:
#   EMULATOR_CONFIGURATION   build configuration to run (default: $CONFIGURATION, else Debug)
#   EMULATOR_DLL             full path to Connector.SalesforceEmulator.dll (overrides the above)
#   EMULATOR_START_TIMEOUT   seconds to wait for the emulator's ready line (default 90)
#   FIDELITY_TEST_TIMEOUT    per-test timeout in ms (default 120000)
#   FIDELITY_TESTS           test files to run (default: test/*.test.js)
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
configuration="${EMULATOR_CONFIGURATION:-${CONFIGURATION:-Debug}}"
dll="${EMULATOR_DLL:-$repo/src/Connector.SalesforceEmulator/bin/$configuration/net10.0/Connector.SalesforceEmulator.dll}"
start_timeout="${EMULATOR_START_TIMEOUT:-90}"
test_timeout="${FIDELITY_TEST_TIMEOUT:-120000}"

summary() {
    echo "fidelity-js: $1 passed, $2 failed${3:+, $3 skipped}"
}

fail_setup() {
    echo "fidelity-js: $*" >&2
    summary 0 1
    exit 1
}

command -v node >/dev/null || fail_setup "node is not installed"
command -v dotnet >/dev/null || fail_setup "dotnet is not installed"
[[ -f "$dll" ]] || fail_setup "emulator not built: $dll (run: dotnet build src/Connector.SalesforceEmulator${configuration:+ -c $configuration})"

cd "$here" || fail_setup "cannot enter $here"

# Reinstall whenever the lockfile changed since the last install: a stamp of its hash sits in node_modules.
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.fidelity-lock.sha256"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" ]]; then
    echo "fidelity-js: installing pinned clients (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error || fail_setup "npm ci failed"
    echo "$lock_hash" > "$stamp"
fi

work="$(mktemp -d)"
emulator_pid=""
drain_pid=""
node_pid=""
cleanup() {
    if [[ -n "$node_pid" ]] && kill -0 "$node_pid" 2>/dev/null; then
        kill "$node_pid" 2>/dev/null
        wait "$node_pid" 2>/dev/null
    fi
    if [[ -n "$emulator_pid" ]] && kill -0 "$emulator_pid" 2>/dev/null; then
        kill "$emulator_pid" 2>/dev/null
        wait "$emulator_pid" 2>/dev/null
    fi
    if [[ -n "$drain_pid" ]]; then
        wait "$drain_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Settings that make the suite quick without changing behaviour: short long-polls so clients cycle
# /meta/connect often; everything else stays at the emulator's defaults.
export Emulator__StreamingPollTimeout="${Emulator__StreamingPollTimeout:-00:00:05}"
export Logging__LogLevel__Default="${Logging__LogLevel__Default:-Warning}"

# The emulator's stdout goes through a FIFO so we can block on its ready line (with a deadline)
# rather than sleeping; after that a background reader keeps draining it into the log.
mkfifo "$work/stdout"
dotnet "$dll" --urls http://127.0.0.1:0 >"$work/stdout" 2>"$work/emulator.err" &
emulator_pid=$!
exec 3<"$work/stdout"

url=""
deadline=$((SECONDS + start_timeout))
while (( SECONDS < deadline )); do
    if ! IFS= read -r -t $((deadline - SECONDS)) line <&3; then
        break
    fi
    echo "$line" >>"$work/emulator.log"
    if [[ "$line" =~ Salesforce\ org\ emulator\ listening\ on\ (http://[^[:space:]]+) ]]; then
        url="${BASH_REMATCH[1]}"
        break
    fi
done
if [[ -z "$url" ]]; then
    echo "--- emulator stdout" >&2; cat "$work/emulator.log" >&2 2>/dev/null
    echo "--- emulator stderr" >&2; cat "$work/emulator.err" >&2 2>/dev/null
    fail_setup "emulator did not report ready within ${start_timeout}s"
fi
cat <&3 >>"$work/emulator.log" &
drain_pid=$!
exec 3<&-

export SF_EMULATOR_URL="${url%/}"
export SF_REPO_ROOT="$repo"
echo "fidelity-js: emulator at $SF_EMULATOR_URL"

if [[ -n "${FIDELITY_TESTS:-}" ]]; then
    read -r -a tests <<<"$FIDELITY_TESTS"
else
    tests=(test/*.test.js)
fi

# Human-readable spec output on the console, TAP into a file we count from. The runner goes to the
# background so that a TERM/INT to this script interrupts `wait` at once and the traps stop everything.
# Files run one at a time: some tests act on the whole org (expire every session, forget every streaming
# client), which would disturb files running beside them.
node --test --test-concurrency=1 --test-timeout="$test_timeout" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$work/results.tap" \
    "${tests[@]}" &
node_pid=$!
wait "$node_pid"
node_rc=$?
node_pid=""

count() { sed -n "s/^# $1 \([0-9][0-9]*\)\$/\1/p" "$work/results.tap" | tail -n1; }
passed="$(count pass)"; failed="$(count fail)"; cancelled="$(count cancelled)"; skipped="$(count skipped)"; todo="$(count todo)"
passed="${passed:-0}"
failed=$(( ${failed:-0} + ${cancelled:-0} ))
skipped=$(( ${skipped:-0} + ${todo:-0} ))
if (( node_rc != 0 && failed == 0 )); then
    # The runner itself failed (crash, unloadable file): count it rather than report a clean run.
    failed=1
fi

if (( failed > 0 )) && [[ -s "$work/emulator.err" ]]; then
    echo "--- emulator stderr (last 40 lines)"; tail -n 40 "$work/emulator.err"
fi

if (( skipped > 0 )); then summary "$passed" "$failed" "$skipped"; else summary "$passed" "$failed"; fi
(( failed == 0 ))
