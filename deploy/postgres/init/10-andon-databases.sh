#!/bin/bash
# Runs once, when the postgres container first starts on an empty data volume
# (/docker-entrypoint-initdb.d). Creates one database per Andon service: andon_identity,
# andon_rooms, andon_messaging, andon_files. Where ANDON_<SERVICE>_DB_PASSWORD is set, a login role
# of the same name is created too and owns its database, so each service reaches only its own data.
# No "exit" and no "set -u": the image's entrypoint sources this file when it is not executable.

andon_create_databases() {
    local service db var password
    for service in identity rooms messaging files; do
        db="andon_${service}"
        var="ANDON_${service^^}_DB_PASSWORD"
        password="${!var:-}"
        if [[ -n $password ]]; then
            echo "andon: creating database ${db} owned by role ${db}"
            psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
                -v name="$db" -v password="$password" <<'SQL' || return 1
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
        else
            echo "andon: ${var} is not set; creating database ${db} without its own role" >&2
            psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
                -v name="$db" <<'SQL' || return 1
CREATE DATABASE :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
        fi
    done
}

andon_create_databases
