#!/bin/bash
# andon-healthcheck [PATH]: exits 0 when GET PATH (default /health/live) on this container's HTTP
# port answers 200, else 1. The ASP.NET Core runtime image has neither curl nor wget, so the request
# is made with bash's /dev/tcp; the image's Dockerfile copies this file to /usr/local/bin.
set -u
path="${1:-/health/live}"
port="${ANDON_HEALTH_PORT:-${ASPNETCORE_HTTP_PORTS:-8080}}"
port="${port%%[;,]*}" # ASPNETCORE_HTTP_PORTS may list several ports: the first one

{ exec 3<>"/dev/tcp/127.0.0.1/${port}"; } 2>/dev/null || { echo "unhealthy: nothing listens on port ${port}" >&2; exit 1; }
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
status=""
IFS= read -r -t 5 status <&3 || true
exec 3<&-
case "$status" in
    "HTTP/1."[01]" 200"*) exit 0 ;;
    *) echo "unhealthy: GET ${path} answered '${status%$'\r'}'" >&2; exit 1 ;;
esac
