#!/bin/sh
# Installs the Node 24 uWebSockets.js build where the application imports it (node_modules/uWebSockets.js),
# replacing the Node 20 build that `npm ci` put there from the root lockfile. Run from the project root after
# `npm ci`. The build comes from this folder's own lockfile, so its integrity is checked like every other package's.
set -eu
npm ci --prefix infra/node24 --ignore-scripts --no-audit --no-fund
rm -rf node_modules/uWebSockets.js
mv infra/node24/node_modules/uWebSockets.js node_modules/uWebSockets.js
rm -rf infra/node24/node_modules
