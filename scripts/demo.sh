#!/usr/bin/env bash
# The main job: start the local Salesforce org emulator with a seeded, realistic referral org and walk
# through it as the connector will (JWT login, describe, SOQL, a verbal referral routed to the advocate's
# rep, change events, conversion, a won deal, batching, Bulk 2.0, limits). The org keeps running afterwards.
# Extra arguments pass through, e.g. --exit, --urls http://127.0.0.1:5077, --Emulator:Seed:Leads 1000000.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec dotnet run --project src/Connector.SalesforceEmulator -c Release -- --demo "$@"
