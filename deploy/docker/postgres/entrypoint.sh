#!/bin/bash
# First start on an empty volume: initdb, then the user and database from the
# environment; then the server in the foreground, listening on every address with
# password (scram-sha-256) authentication.
set -euo pipefail

env_or_file() {
    local var=$1 file_var="${1}_FILE"
    if [ -n "${!file_var:-}" ]; then
        [ -r "${!file_var}" ] || { echo "postgres: $file_var names ${!file_var}, which cannot be read" >&2; exit 1; }
        cat "${!file_var}"
    else
        printf '%s' "${!var:-}"
    fi
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    user=$(env_or_file POSTGRES_USER); user=${user:-postgres}
    password=$(env_or_file POSTGRES_PASSWORD)
    database=$(env_or_file POSTGRES_DB); database=${database:-$user}
    if [ -z "$password" ]; then
        echo "postgres: set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE): the server accepts password sign-in only" >&2
        exit 1
    fi
    pwfile=$(mktemp)
    printf '%s' "$password" > "$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    {
        echo "listen_addresses = '*'"
        echo "unix_socket_directories = '/run/postgresql'"
        # The image has no JIT provider (LLVM): say so rather than try to load it.
        echo "jit = off"
    } >> "$PGDATA/postgresql.conf"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    if [ "$database" != postgres ]; then
        postgres --single -D "$PGDATA" postgres >/dev/null <<< "CREATE DATABASE \"${database//\"/}\" OWNER \"${user//\"/}\";"
    fi
    echo "postgres: initialised $PGDATA (user $user, database $database)" >&2
fi

if [ "$1" = postgres ]; then
    shift
    exec postgres -D "$PGDATA" "$@"
fi
exec "$@"
