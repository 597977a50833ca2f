#!/bin/sh
# Renders the nginx template: `render.sh <template> <output>`. Only the ${UPPER_CASE} names that appear in the
# template are substituted (so nginx's own $variables stay), and every one of them must be set and non-empty.
# The container and the local run (infra/nginx/local-nginx.ts) both render through this one script.
set -eu
template="${1:?usage: render.sh <template> <output>}"
output="${2:?usage: render.sh <template> <output>}"
# REALTIME_UPSTREAM may list several realtime nodes, comma-separated: `server ${REALTIME_UPSTREAM};` in the template
# becomes one `server …;` line per node (blank entries dropped).
if [ -n "${REALTIME_UPSTREAM:-}" ]; then
  REALTIME_UPSTREAM=$(printf '%s' "$REALTIME_UPSTREAM" | awk -v RS=, '
    { gsub(/^[ \t\n]+|[ \t\n]+$/, "") }
    $0 != "" { printf "%s%s", (count++ ? ";\n    server " : ""), $0 }')
fi
names=$(grep -o '\${[A-Z][A-Z0-9_]*}' "$template" | sort -u | tr -d '${}')
missing=""
for name in $names; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || missing="$missing $name"
done
if [ -n "$missing" ]; then
  echo "render.sh: not set:$missing" >&2
  exit 1
fi
shell_format=$(for name in $names; do printf '${%s} ' "$name"; done)
envsubst "$shell_format" < "$template" > "$output"
