import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { alertStatesBlock, withAlertStatesBlock } from './alert-states-diagram';

/**
 * Prints the alert state machine's README block (diagrams generated from its transition tables); with `--write`,
 * replaces the block in README.md instead.
 */
const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
const block = alertStatesBlock();
if (process.argv.includes('--write')) writeFileSync(readme, withAlertStatesBlock(readFileSync(readme, 'utf8'), block));
else process.stdout.write(`${block}\n`);
