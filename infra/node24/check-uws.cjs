// Fails unless `uWebSockets.js` is the Node 24 build and its native add-on loads on this Node. The Node 20 build
// (@trufflesuite/uws-js-unofficial) does not fail on Node 24: it warns and falls back to a JavaScript server.
const { existsSync, readFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

/** The package.json of the package `uWebSockets.js` resolves to (its entry point may sit in a subfolder). */
function installedPackage() {
  for (let dir = dirname(require.resolve('uWebSockets.js')); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  }
  throw new Error('uWebSockets.js has no package.json');
}

const { name, version } = installedPackage();
if (name !== '@btc-vision/uwebsockets.js') {
  console.error(
    `uWebSockets.js is ${name}@${version}, not the Node 24 build @btc-vision/uwebsockets.js (infra/node24)`,
  );
  process.exit(1);
}
const uWS = require('uWebSockets.js');
if (typeof uWS.App !== 'function') {
  console.error(`${name}@${version} loaded without App on Node ${process.versions.node}`);
  process.exit(1);
}
console.log(
  `uWebSockets.js: ${name}@${version} native on Node ${process.versions.node} (ABI ${process.versions.modules})`,
);
