import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { expect, test } from 'vitest';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a program spawned tied to its node dies when that node is SIGKILLed (no orphaned ffmpeg)', async () => {
  const module = new URL('./tied-spawn.ts', import.meta.url).pathname;
  const node = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `import(${JSON.stringify(module)}).then((m) => {
         const child = m.spawnTiedToThisProcess('sleep', ['600'], { stdio: 'ignore' });
         console.log(child.pid);
         setInterval(() => {}, 1000);
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve) =>
    createInterface({ input: node.stdout as NodeJS.ReadableStream }).once('line', resolve),
  );
  const grandchild = Number(line);
  expect(alive(grandchild)).toBe(true);
  node.kill('SIGKILL');
  await expect.poll(() => alive(grandchild), { timeout: 3_000, interval: 50 }).toBe(false);
});
