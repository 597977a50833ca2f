import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CONSOLE_ICONS, consoleIconsDir, drawIcon } from './console-icons';

describe('console app icons', () => {
  test.each(CONSOLE_ICONS)(
    '$file is what infra/console-icons.ts draws (regenerate with `npx tsx infra/console-icons.ts`)',
    (spec) => {
      const committed = readFileSync(join(consoleIconsDir, spec.file));
      expect(committed.readUInt32BE(16)).toBe(spec.size);
      expect(committed.readUInt32BE(20)).toBe(spec.size);
      expect(committed.equals(drawIcon(spec))).toBe(true);
    },
  );
});
