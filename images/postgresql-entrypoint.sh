#!/bin/sh
# Starts PostgreSQL; on the first start creates the cluster in $PGDATA (a volume).
# Settings (the names the usual PostgreSQL images use):
#   POSTGRES_USER (default postgres), POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE (required),
#   POSTGRES_DB (created when set), /docker-entrypoint-initdb.d/*.sql and *.sh: run once,
#   after the cluster is created (shell scripts see PGHOST/PGUSER set for psql).
# Extra arguments go to postgres (for example -c max_connections=200).
set -eu
PGDATA=${PGDATA:-/var/lib/postgresql/data}
SOCKETS=${PGSOCKETS:-/tmp}
user=${POSTGRES_USER:-postgres}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
        POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
    fi
    if [ -z "${POSTGRES_PASSWORD:-}" ]; then
        echo "postgresql: set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE" >&2
        exit 1
    fi
    mkdir -p "$PGDATA"
    chmod 0700 "$PGDATA"
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb --pgdata="$PGDATA" --username="$user" --pwfile="$pwfile" --encoding=UTF8 \
        --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    # Set-up runs on the Unix socket only: nobody else can connect meanwhile.
    pg_ctl --pgdata="$PGDATA" --wait --silent \
        -o "-c listen_addresses='' -c unix_socket_directories=$SOCKETS" start
    export PGHOST="$SOCKETS" PGUSER="$user"
    if [ -n "${POSTGRES_DB:-}" ] && [ "$POSTGRES_DB" != postgres ]; then
        psql -v ON_ERROR_STOP=1 -q -d postgres -c "CREATE DATABASE \"$POSTGRES_DB\""
    fi
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sql) echo "postgresql: running $f"; psql -v ON_ERROR_STOP=1 -q -d postgres -f "$f" ;;
            *.sh) echo "postgresql: running $f"; sh "$f" ;;
        esac
    done
    pg_ctl --pgdata="$PGDATA" --wait --silent -m fast stop
    unset PGHOST PGUSER
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories="$SOCKETS" "$@"
