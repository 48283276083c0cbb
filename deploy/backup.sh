#!/bin/sh
# Omtag's nightly backup: the database (pg_dump, custom format: compressed, restorable table
# by table with pg_restore) and the uploaded files (MEDIA_ROOT). Reads DATABASE_URL and
# MEDIA_ROOT from the environment (omtag-backup.service loads /etc/omtag/omtag.env), writes
# into BACKUP_DIR, keeps KEEP_DAYS days. docs/deployment.md says how to restore.
set -eu
: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${MEDIA_ROOT:?MEDIA_ROOT is not set}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/omtag}"
KEEP_DAYS="${KEEP_DAYS:-14}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
umask 077
mkdir -p "$BACKUP_DIR"
pg_dump --format=custom --no-owner --file="$BACKUP_DIR/omtag-$stamp.dump.partial" "$DATABASE_URL"
mv "$BACKUP_DIR/omtag-$stamp.dump.partial" "$BACKUP_DIR/omtag-$stamp.dump"
tar -C "$(dirname "$MEDIA_ROOT")" -czf "$BACKUP_DIR/omtag-media-$stamp.tar.gz.partial" "$(basename "$MEDIA_ROOT")"
mv "$BACKUP_DIR/omtag-media-$stamp.tar.gz.partial" "$BACKUP_DIR/omtag-media-$stamp.tar.gz"
find "$BACKUP_DIR" -maxdepth 1 -name 'omtag-*' -mtime "+$KEEP_DAYS" -delete
