#!/bin/sh
# Folio's benchmark harness (not a test): runs the Python package bench/folio_bench.
#   bench/run.sh [--dry-run] [static|scale|replicas|uncached|scale-servers|wordpress|all|tier]...
# bench/README.md says what each scenario measures and lists the knobs (environment
# variables); bench/config/ holds the Nginx, PHP and php-fpm files the scenarios fill in.
cd "$(dirname "$0")" && exec python3 -m folio_bench "$@"
