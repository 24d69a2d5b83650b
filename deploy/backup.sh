#!/usr/bin/env bash
# Backup: the database (pg_dump, custom format), the identity-appeal photos, and the keys without
# which the dump is unreadable (DATA_KEY, SECRET_KEY) in a separate file to keep apart from the dump.
#   DATABASE_URL=postgresql://… DATA_KEY=… SECRET_KEY=… deploy/backup.sh /backups/2026-11-29
set -euo pipefail
out="${1:?usage: backup.sh DIRECTORY}"
mkdir -p "$out"
url="${DATABASE_URL:?DATABASE_URL is not set}"
url="${url/+psycopg2/}"; url="${url/+psycopg/}"      # SQLAlchemy's driver suffix means nothing to pg_dump
echo "==> pg_dump → $out/database.dump"
pg_dump --format=custom --no-owner --file="$out/database.dump" "$url"
if [ -d "${APPEAL_PHOTO_DIR:-instance/appeals}" ]; then
  echo "==> appeal photos (encrypted) → $out/appeals.tar"
  tar -cf "$out/appeals.tar" -C "${APPEAL_PHOTO_DIR:-instance/appeals}" .
fi
umask 077
printf 'DATA_KEY=%s\nSECRET_KEY=%s\n' "${DATA_KEY:?DATA_KEY is not set}" "${SECRET_KEY:-}" > "$out/keys.env"
echo "==> keys → $out/keys.env (store it apart from the dump: together they are the members' personal data)"
