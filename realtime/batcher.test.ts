import { describe, expect, it } from 'vitest';
import { createLogger } from '../core/logger';
import { Batcher } from './batcher';

const logger = createLogger('test', 'error');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingWriter(options: { lingerMs?: number; failWhenBatchHas?: number } = {}) {
  const batches: number[][] = [];
  const writer = new Batcher<number, string>(
    async (items) => {
      batches.push(items);
      if (items.length > 1 && items.includes(options.failWhenBatchHas ?? Number.NaN)) throw new Error('bad row');
      if (items.length === 1 && items[0] === options.failWhenBatchHas) throw new Error('bad row');
      return items.map((item) => `wrote ${item}`);
    },
    { logger, what: 'test', missing: 'missing', lingerMs: options.lingerMs },
  );
  return { writer, batches };
}

describe('Batcher', () => {
  it('writes one burst of callers as one batch, and items arriving later as the next', async () => {
    const { writer, batches } = recordingWriter();
    const first = [1, 2, 3].map((item) => writer.add(item));
    await sleep(20);
    const second = writer.add(4);
    expect(await Promise.all([...first, second])).toEqual(['wrote 1', 'wrote 2', 'wrote 3', 'wrote 4']);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('with lingerMs, items of the next moments share the batch', async () => {
    const { writer, batches } = recordingWriter({ lingerMs: 80 });
    const added = [writer.add(1)];
    await sleep(20);
    added.push(writer.add(2));
    await sleep(20);
    added.push(writer.add(3));
    expect(await Promise.all(added)).toEqual(['wrote 1', 'wrote 2', 'wrote 3']);
    expect(batches).toEqual([[1, 2, 3]]);
    await writer.drained();
  });

  it('a batch that fails is written one by one: only the bad item fails', async () => {
    const { writer, batches } = recordingWriter({ failWhenBatchHas: 2 });
    const results = await Promise.allSettled([1, 2, 3].map((item) => writer.add(item)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });
});
