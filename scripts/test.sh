#!/usr/bin/env bash
# Runs every test suite: the .NET solution's tests, then the real third-party Salesforce clients (jsforce,
# CometD) against the emulator. Installs what the suites need (npm packages from the committed lockfile).
# Ends with one plain line "N passed, N failed" summed over all suites; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
configuration="${CONFIGURATION:-Release}"
log_dir="artifacts/test-logs"
mkdir -p "$log_dir"

passed=0
failed=0
skipped=0
status=0

echo "== build ($configuration)"
if ! dotnet build Connector.sln -c "$configuration" -nologo -clp:ErrorsOnly 2>&1 | tee "$log_dir/build.log"; then
  echo "build failed"
  status=1
fi
if grep -qE "error [A-Z]+[0-9]+" "$log_dir/build.log"; then
  echo "0 passed, 1 failed"
  exit 1
fi

# --- admin console browser tests (issue 7): Debian's Chromium, driven headless by Playwright ---
# The tests fail (never skip) without it; Playwright cannot download its own browsers here.
if [ ! -x /usr/bin/chromium ]; then
  echo "== installing chromium (admin console browser tests)"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get install -y chromium >/dev/null 2>&1 || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y chromium >/dev/null; }
fi
# --- end admin console block ---

echo "== dotnet test"
dotnet test Connector.sln -c "$configuration" --no-build -nologo --logger "console;verbosity=minimal" 2>&1 | tee "$log_dir/dotnet-test.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
# "Passed!  - Failed:     0, Passed:   137, Skipped:     0, Total: ..." — one line per test assembly.
while read -r f p s; do
  failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s))
done < <(sed -nE 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/p' "$log_dir/dotnet-test.log")
if ! grep -qE "Failed: +[0-9]+, Passed: +[0-9]+" "$log_dir/dotnet-test.log"; then
  echo "dotnet test printed no summary: counting it as a failure"
  failed=$((failed + 1)); status=1
fi

echo "== fidelity: jsforce and CometD against the emulator"
CONFIGURATION="$configuration" tests/fidelity-js/run.sh 2>&1 | tee "$log_dir/fidelity-js.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
line=$(grep -E "^fidelity-js: [0-9]+ passed, [0-9]+ failed" "$log_dir/fidelity-js.log" | tail -1)
if [ -n "$line" ]; then
  p=$(sed -E 's/^fidelity-js: ([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f))
else
  echo "fidelity-js printed no summary: counting it as a failure"
  failed=$((failed + 1)); status=1
fi

# --- salesforce-metadata: offline Salesforce tooling gates (issue 6) -------------------------------------------
# sf project convert source, LWC jest, ESLint and the Apex parser over salesforce-metadata/, plus its self-test on a
# broken copy. First run installs the pinned tools with npm ci (~1-3 min, ~670 MB); after that ~30-60 s.
echo "== salesforce-metadata: sf convert, LWC jest, ESLint, Apex parse"
salesforce-metadata/scripts/check.sh 2>&1 | tee "$log_dir/salesforce-metadata.log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
line=$(grep -E "^metadata: [0-9]+ passed, [0-9]+ failed" "$log_dir/salesforce-metadata.log" | tail -1)
if [ -n "$line" ]; then
  p=$(sed -E 's/^metadata: ([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
  passed=$((passed + p)); failed=$((failed + f))
else
  echo "salesforce-metadata printed no summary: counting it as a failure"
  failed=$((failed + 1)); status=1
fi
# --- end salesforce-metadata ------------------------------------------------------------------------------------

[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
