#!/bin/sh
# The official postgres image's environment contract, for the stand-in: initialise PGDATA on the first start with
# the user, password and database the environment names, then run the server on every address.
set -eu
if [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
    POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE")
fi
# The official entrypoint creates the socket folder, which a tmpfs over /run leaves out.
mkdir -p /var/run/postgresql 2>/dev/null || :
chmod 03775 /var/run/postgresql 2>/dev/null || :
POSTGRES_USER=${POSTGRES_USER:-postgres}
POSTGRES_DB=${POSTGRES_DB:-$POSTGRES_USER}
if [ "${1:-postgres}" = "postgres" ]; then
    if [ ! -s "$PGDATA/PG_VERSION" ]; then
        if [ -z "${POSTGRES_PASSWORD:-}" ]; then
            echo "error: the database is uninitialized and POSTGRES_PASSWORD is not set" >&2
            exit 1
        fi
        pwfile=$(mktemp)
        printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
        initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
        rm -f "$pwfile"
        echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
        if [ "$POSTGRES_DB" != "postgres" ]; then
            echo "CREATE DATABASE \"$POSTGRES_DB\";" | postgres --single -D "$PGDATA" -j postgres >/dev/null
        fi
    fi
    shift || true
    exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
fi
exec "$@"
