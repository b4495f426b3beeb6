#!/usr/bin/env bash
# Benchmarks. Usage: bench/run.sh [scenario] [--quick]
# Scenario "floors" (the only one so far): starts standalone on a free port with its data in a
# temporary folder, measures CONTRACT.md's floors with bench/Andon.Bench, and writes
# bench/results/floors.json and floors.md. Never part of the test command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scenario="${1:-floors}"
shift || true
[[ "$scenario" == "floors" ]] || { echo "bench: unknown scenario '$scenario' (known: floors)" >&2; exit 2; }

dotnet build Andon.slnx -c Release -v quiet -nologo >/dev/null
data="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18080)"
(
    cd standalone/Andon.Standalone/bin/Release/net10.0
    Urls="http://127.0.0.1:$port" \
    ConnectionStrings__Identity="Data Source=$data/identity.db" \
    ConnectionStrings__Rooms="Data Source=$data/rooms.db" \
    ConnectionStrings__Messaging="Data Source=$data/messaging.db" \
    Identity__KeysPath="$data/keys/identity" Gateway__KeysPath="$data/keys/gateway" \
    Logging__LogLevel__Default=Warning \
    exec dotnet Andon.Standalone.dll
) >"$data/standalone.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break
    sleep 0.5
done
dotnet bench/Andon.Bench/bin/Release/net10.0/Andon.Bench.dll "http://127.0.0.1:$port" bench/results "$@"
