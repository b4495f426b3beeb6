#!/usr/bin/env bash
# Benchmarks. Usage: bench/run.sh [scenario|all] [--quick]
# Scenarios: fanout hotroom idle history alloc reconnect slow gateway replicas floors (see bench/README.md);
# bench/run.sh frames <trace.nettrace> splits a BENCH_TRACE=alloc trace by frame again.
# Each starts what it needs (Andon standalone from its Release build on a free port with its data in
# a temporary folder, the baselines B0/B1, or the distributed hosts on the running PostgreSQL and
# RabbitMQ) and writes bench/results/<scenario>.json and .md. Never part of the test command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scenario="${1:-floors}"
shift || true

# Many sockets on both ends of loopback (the idle scenario holds up to 20,000).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

if [[ -z "${BENCH_NO_BUILD:-}" ]]; then
    dotnet build Andon.slnx -c Release -v quiet -nologo >/dev/null
fi
if [[ ! -d bench/baselines/node-ws/node_modules/ws ]]; then
    (cd bench/baselines/node-ws && npm install --no-audit --no-fund --silent)
fi
if [[ "$scenario" == alloc || "$scenario" == all ]] && [[ ! -x "$HOME/.dotnet/tools/dotnet-trace" ]]; then
    # alloc records the server's allocations with dotnet-trace.
    dotnet tool install -g dotnet-trace >/dev/null
fi
if [[ -f scripts/test-env.sh ]]; then
    # Addresses of the running PostgreSQL and RabbitMQ, for scenarios in the distributed mode.
    # shellcheck disable=SC1091
    source scripts/test-env.sh >/dev/null 2>&1 || true
fi
exec dotnet bench/Andon.Bench/bin/Release/net10.0/Andon.Bench.dll "$scenario" "$@"
