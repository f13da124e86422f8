#!/usr/bin/env bash
# The main job: the connector's demo. Starts a local Salesforce org emulator (seeded with a referral program's
# history), runs the connector on SQLite against it exactly as `run` wires it, plays a sales period (reps log verbal
# referrals, advocates refer by every method, leads are worked, converted, won and lost, some wins reversed, 90 days
# pass), prints a report and checks the ledger against the org's ground truth (exit 0 only if it holds).
# Extra arguments go to the demo, e.g. --referrals 2000, --seed-leads 20000, --report report.json.
# `./scripts/demo.sh --tour` instead runs the emulator's guided API tour and the connector's `check` (previous demo).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The runtime settings deploy/ gives the worker (Connector.Worker.Hosting.RuntimeTuning).
export DOTNET_GCgen0size=0x1800000
if [ "${1:-}" = "--tour" ]; then
  shift
  exec ./scripts/tour.sh "$@"
fi
dotnet build src/Connector.Worker -c Release -nologo -v quiet -clp:ErrorsOnly
exec dotnet src/Connector.Worker/bin/Release/net10.0/Connector.Worker.dll demo "$@"
