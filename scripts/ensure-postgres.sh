#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 with trust auth and a `test` database.
# Starts the local cluster when nothing answers; fails loudly when it cannot.
set -euo pipefail
HOST=127.0.0.1 PORT=5432

answers() { pg_isready -q -h "$HOST" -p "$PORT" 2>/dev/null; }

if ! answers; then
  if ! command -v pg_ctlcluster >/dev/null; then
    echo "PostgreSQL does not answer on $HOST:$PORT and pg_ctlcluster is not installed" >&2
    exit 1
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  hba=/etc/postgresql/$version/main/pg_hba.conf
  if ! grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 30); do answers && break; sleep 1; done
fi
answers || { echo "PostgreSQL still does not answer on $HOST:$PORT" >&2; exit 1; }

if ! psql -h "$HOST" -p "$PORT" -U postgres -tAc "select 1 from pg_database where datname='test'" postgres | grep -q 1; then
  psql -h "$HOST" -p "$PORT" -U postgres -c "create database test" postgres
fi
psql -h "$HOST" -p "$PORT" -U postgres -tAc "select 1" test >/dev/null \
  || { echo "cannot connect to database test on $HOST:$PORT as postgres (trust auth needed)" >&2; exit 1; }
echo "PostgreSQL answers on $HOST:$PORT (database test)"
