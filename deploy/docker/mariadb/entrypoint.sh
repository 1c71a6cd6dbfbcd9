#!/bin/bash
# First start on an empty volume: initialise, create the database and user from the
# environment, then run the server in the foreground as the mysql user.
set -euo pipefail

# VAR or the contents of VAR_FILE.
env_or_file() {
    local var=$1 file_var="${1}_FILE"
    if [ -n "${!file_var:-}" ]; then
        [ -r "${!file_var}" ] || { echo "mariadb: $file_var names ${!file_var}, which cannot be read" >&2; exit 1; }
        cat "${!file_var}"
    else
        printf '%s' "${!var:-}"
    fi
}

datadir=/var/lib/mysql
chown -R mysql:mysql "$datadir" /run/mysqld

if [ ! -d "$datadir/mysql" ]; then
    database=$(env_or_file MARIADB_DATABASE)
    user=$(env_or_file MARIADB_USER)
    password=$(env_or_file MARIADB_PASSWORD)
    root_password=$(env_or_file MARIADB_ROOT_PASSWORD)
    if [ -z "$root_password" ]; then
        if [ "${MARIADB_RANDOM_ROOT_PASSWORD:-}" = 1 ] || [ -n "$user" ]; then
            root_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
            echo "mariadb: generated a random root password (MARIADB_ROOT_PASSWORD not set)" >&2
        else
            echo "mariadb: set MARIADB_ROOT_PASSWORD (or MARIADB_RANDOM_ROOT_PASSWORD=1 with MARIADB_USER)" >&2
            exit 1
        fi
    fi
    if [ -n "$user" ] && [ -z "$password" ]; then
        echo "mariadb: MARIADB_USER is set but MARIADB_PASSWORD (or MARIADB_PASSWORD_FILE) is empty" >&2
        exit 1
    fi
    echo "mariadb: initialising $datadir" >&2
    # --cross-bootstrap, as the official image's entrypoint passes: no root account for
    # this container's passing host name, so the name is not looked up (no resolveip).
    mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal \
        --skip-test-db --cross-bootstrap >/dev/null
    mariadbd --user=mysql --datadir="$datadir" --skip-networking --socket=/run/mysqld/init.sock &
    pid=$!
    for _ in $(seq 1 60); do
        mariadb-admin --socket=/run/mysqld/init.sock ping --silent 2>/dev/null && break
        sleep 0.5
    done
    # Values go in as SQL string literals: quote them.
    q() { local v=${1//\\/\\\\}; printf "'%s'" "${v//\'/\'\'}"; }
    {
        echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(q "$root_password");"
        echo "CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY $(q "$root_password");"
        echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
        if [ -n "$database" ]; then
            echo "CREATE DATABASE IF NOT EXISTS \`${database//\`/}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
        fi
        if [ -n "$user" ]; then
            echo "CREATE USER $(q "$user")@'%' IDENTIFIED BY $(q "$password");"
            [ -n "$database" ] && echo "GRANT ALL ON \`${database//\`/}\`.* TO $(q "$user")@'%';"
        fi
        echo "FLUSH PRIVILEGES;"
    } | mariadb --socket=/run/mysqld/init.sock -uroot
    mariadb-admin --socket=/run/mysqld/init.sock -uroot -p"$root_password" shutdown
    wait "$pid" || true
    echo "mariadb: initialised" >&2
fi

if [ "$1" = mariadbd ]; then
    shift
    exec mariadbd --user=mysql --datadir="$datadir" --bind-address=0.0.0.0 \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci "$@"
fi
exec "$@"
