#!/bin/sh
# Run once by the postgres image when the warehouse volume is first initialised
# (/docker-entrypoint-initdb.d/), as the image's superuser: the roles the stack uses, so that
# neither the pipeline nor Metabase is a superuser (docs/acces.md).
#   publics_owner   owns the warehouse database: the pipeline and dbt (DATABASE_URL)
#   publics_reader  Metabase: CONNECT here, marts only (granted by the pipeline, publics.warehouse)
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v db="$POSTGRES_DB" -v owner_password="$WAREHOUSE_OWNER_PASSWORD" \
    -v reader_password="$METABASE_READER_PASSWORD" <<'SQL'
create role publics_owner login password :'owner_password';
create role publics_reader login password :'reader_password';
alter database :"db" owner to publics_owner;
alter schema public owner to publics_owner;
revoke temporary on database :"db" from public;
revoke connect on database postgres from public;
SQL
