#!/bin/sh
# As the official image does when it is given no configuration file: listen for the network.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  exec redis-server --bind 0.0.0.0 --protected-mode no "$@"
fi
exec "$@"
