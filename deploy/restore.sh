#!/usr/bin/env bash
# Restore a backup made by backup.sh into an empty database (created when missing), then point the app
# at it with the keys from keys.env:  TARGET_URL=postgresql://…/qingchun_restored deploy/restore.sh DIR
set -euo pipefail
from="${1:?usage: restore.sh DIRECTORY}"
url="${TARGET_URL:?TARGET_URL is not set}"
url="${url/+psycopg2/}"; url="${url/+psycopg/}"
name="${url##*/}"; name="${name%%\?*}"
admin="${url%/*}/postgres"
if ! psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
  echo "==> createdb $name"
  psql "$admin" -c "CREATE DATABASE \"$name\"" >/dev/null
fi
echo "==> pg_restore → $name"
pg_restore --no-owner --exit-on-error --dbname="$url" "$from/database.dump"
if [ -f "$from/appeals.tar" ]; then
  mkdir -p "${APPEAL_PHOTO_DIR:-instance/appeals}"
  tar -xf "$from/appeals.tar" -C "${APPEAL_PHOTO_DIR:-instance/appeals}"
fi
echo "==> restored; start the app with DATABASE_URL=$TARGET_URL and the keys in $from/keys.env"
