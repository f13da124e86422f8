#!/usr/bin/env bash
# Compares the backfill benchmark of this checkout with another checkout's (a branch in a git worktree), both
# running AT THE SAME TIME: on this VM the speed of the same work drifts by a third within an hour, so runs one
# after the other cannot show a 5% change, while two runs side by side slow down together. Each round swaps which
# one starts first; the ratio (other / this) is what to read, over an even number of rounds. Two copies of the same
# code side by side gave ratios from 0.971 to 1.014 (500,000 and 100,000 leads): trust only a change of well over 5%.
#
#   bench/compare.sh ../other-worktree [--leads 500000] [--rounds 2] [-- more backfill options]
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
other="$(cd "${1:?usage: bench/compare.sh OTHER_CHECKOUT [--leads N] [--rounds R] [-- backfill options]}" && pwd)"
shift
leads=500000
rounds=2
while [ $# -gt 0 ]; do
  case "$1" in
    --leads) leads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

logs="$(mktemp -d)"
for checkout in "$here" "$other"; do
  dotnet build "$checkout/bench/Connector.Benchmarks" -c Release -nologo -clp:ErrorsOnly >/dev/null
done

run() { # checkout log
  (cd "$1" && dotnet run --project bench/Connector.Benchmarks -c Release --no-build -- backfill --leads "$leads" "${extra[@]}" >"$2" 2>&1)
}
rate() { grep -o '= [0-9,]* records/s, start-up' "$1" | tr -dc 0-9; }
extra=("$@")

for round in $(seq 1 "$rounds"); do
  if [ $((round % 2)) = 1 ]; then first="$here"; second="$other"; else first="$other"; second="$here"; fi
  run "$first" "$logs/$round.first" &
  sleep 1
  run "$second" "$logs/$round.second"
  wait
  if [ "$first" = "$here" ]; then this="$logs/$round.first"; that="$logs/$round.second"; else this="$logs/$round.second"; that="$logs/$round.first"; fi
  a="$(rate "$this")"; b="$(rate "$that")"
  if [ -z "$a" ] || [ -z "$b" ]; then
    echo "round $round: a run failed, see $logs" >&2
    exit 1
  fi
  printf 'round %s: this %s records/s, other %s records/s, ratio %s\n' "$round" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')"
  grep -h 'by Bulk Lead \|by Bulk Opportunity\|connector peak memory' "$this" | sed 's/^/  this:  /'
  grep -h 'by Bulk Lead \|by Bulk Opportunity\|connector peak memory' "$that" | sed 's/^/  other: /'
done
echo "logs: $logs"
