#!/usr/bin/env bash
# The messaging backplane measured on RabbitMQ (as messaging uses it) and on Redis pub/sub, for ADR 6.
# Usage: bench/backplane.sh [--quick]
# Needs RabbitMQ (ANDON_TEST_RABBITMQ, default amqp://guest:guest@127.0.0.1:5672/, with rabbitmqctl
# on this machine) and redis-server (Debian's package; started here on 127.0.0.1:${REDIS_PORT:-6390}
# when nothing answers there, stopped again at the end). Runs in its own RabbitMQ virtual host.
# Writes bench/results/backplane.json and backplane.md. Never part of the test command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
rabbit="${ANDON_TEST_RABBITMQ:-amqp://guest:guest@127.0.0.1:5672/}"
redis_port="${REDIS_PORT:-6390}"

command -v redis-server >/dev/null || { echo "bench: redis-server is not installed (apt-get install -y redis-server)" >&2; exit 2; }
started_redis=""
if ! redis-cli -p "$redis_port" ping >/dev/null 2>&1; then
    redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --daemonize yes >/dev/null
    started_redis=yes
    for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

vhost="andon-bench-backplane-$$"
user="$(python3 -c 'import sys,urllib.parse; print(urllib.parse.urlparse(sys.argv[1]).username or "guest")' "$rabbit")"
rabbitmqctl -q add_vhost "$vhost" >/dev/null
rabbitmqctl -q set_permissions -p "$vhost" "$user" ".*" ".*" ".*" >/dev/null
cleanup() {
    rabbitmqctl -q delete_vhost "$vhost" >/dev/null 2>&1 || true
    [[ -n "$started_redis" ]] && redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
}
trap cleanup EXIT
url="$(python3 -c 'import sys,urllib.parse; u=urllib.parse.urlparse(sys.argv[1]); print(u._replace(path="/"+sys.argv[2]).geturl())' "$rabbit" "$vhost")"

dotnet build bench/Andon.Bench.Backplane -c Release -v quiet -nologo >/dev/null
dotnet bench/Andon.Bench.Backplane/bin/Release/net10.0/Andon.Bench.Backplane.dll "$url" "127.0.0.1:$redis_port" bench/results "$@"
