#!/usr/bin/env bash
# The emulator tour: start the local Salesforce org emulator with a seeded, realistic referral org, walk through
# it as the connector will (JWT login, describe, SOQL, a verbal referral routed to the advocate's rep, change
# events, conversion, a won deal, batching, Bulk 2.0, limits), then run the connector's own `check` against
# it with the Salesforce client library. The org keeps running afterwards until Ctrl+C.
# Extra arguments go to the emulator, e.g. --exit, --urls http://127.0.0.1:5077, --Emulator:Seed:Leads 1000000.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build src/Connector.SalesforceEmulator -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build src/Connector.Worker -c Release -nologo -v quiet -clp:ErrorsOnly
emulator_dir=src/Connector.SalesforceEmulator/bin/Release/net10.0
worker=src/Connector.Worker/bin/Release/net10.0/Connector.Worker.dll

exit_after=0
args=()
for a in "$@"; do
  if [ "$a" = "--exit" ]; then exit_after=1; else args+=("$a"); fi
done

log=$(mktemp)
dotnet "$emulator_dir/Connector.SalesforceEmulator.dll" --demo "${args[@]}" > >(tee "$log") 2>&1 &
emulator=$!
cleanup() { kill "$emulator" 2>/dev/null || true; rm -f "$log"; }
trap cleanup EXIT

# Wait (up to 3 minutes, checking every 0.2 s) for the tour to finish or fail.
for _ in $(seq 1 900); do
  if grep -q "^Tour complete" "$log"; then break; fi
  if ! kill -0 "$emulator" 2>/dev/null; then echo "The emulator stopped before the tour completed." >&2; exit 1; fi
  sleep 0.2
done
grep -q "^Tour complete" "$log" || { echo "The tour did not complete within 3 minutes." >&2; exit 1; }
url=$(sed -nE 's/^Salesforce org emulator listening on (http[^ ]+).*/\1/p' "$log" | head -1)

echo
echo "The connector checks its connection to that org (Salesforce client library, JWT bearer):"
dotnet "$worker" check --login-url "$url" --client-id emulator-client --username integration@emulator.local \
  --private-key-file "$emulator_dir/Dev/jwt-signing-key.DEVELOPMENT-ONLY.pem" --metadata salesforce-metadata

if [ "$exit_after" = 1 ]; then exit 0; fi
echo
echo "The org keeps running at $url (Ctrl+C to stop). Try: curl $url/services/data"
wait "$emulator"
