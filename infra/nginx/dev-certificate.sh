#!/bin/sh
# Makes a self-signed development certificate for localhost once: `dev-certificate.sh <dir>` leaves
# <dir>/dev.crt and <dir>/dev.key and keeps them on later runs. Used by the nginx container and the local run.
# Production replaces both files with a real certificate (TLS_CERT / TLS_KEY).
set -eu
dir="${1:?usage: dev-certificate.sh <dir>}"
mkdir -p "$dir"
if [ -s "$dir/dev.crt" ] && [ -s "$dir/dev.key" ]; then exit 0; fi
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
  -subj "/O=CareWatch development/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
  -keyout "$dir/dev.key.tmp" -out "$dir/dev.crt.tmp" 2>/dev/null
mv "$dir/dev.key.tmp" "$dir/dev.key"
chmod 644 "$dir/dev.crt.tmp"
mv "$dir/dev.crt.tmp" "$dir/dev.crt"
echo "dev-certificate: created $dir/dev.crt (self-signed, localhost)"
