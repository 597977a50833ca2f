#!/bin/sh
# nginx container start: the dev certificate when none is mounted, the config rendered from env, nginx in the
# foreground (signals reach it directly through exec).
set -eu
if [ "${TLS_CERT:-}" = "" ]; then
  sh /etc/carewatch/dev-certificate.sh "$TLS_DIR"
  export TLS_CERT="$TLS_DIR/dev.crt" TLS_KEY="$TLS_DIR/dev.key"
fi
sh /etc/carewatch/render.sh /etc/carewatch/carewatch.conf.template "$NGINX_RUN_DIR/nginx.conf"
exec nginx -e stderr -p "$NGINX_RUN_DIR" -c "$NGINX_RUN_DIR/nginx.conf" -g 'daemon off;'
