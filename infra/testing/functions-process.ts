import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freeLoopbackPort } from '../../db/embedded';
import { TEST_INTEGRATION_SIGNING_KEY, TEST_JWT_SECRET } from './functions';

export interface FunctionsProcess {
  url: string;
  /** Every log line the process printed (JSON), for tests that look for a warning. */
  lines: string[];
  stop(): Promise<void>;
}

/**
 * The API as its own OS process (`functions/node.ts` run by node + tsx, as `npm start` runs it), for tests that need
 * several processes with nothing in common but the database and Redis. Resolves once it listens.
 */
export async function startFunctionsProcess(env: Record<string, string>): Promise<FunctionsProcess> {
  const port = await freeLoopbackPort();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'functions/node.ts'], {
    env: {
      ...process.env,
      JWT_SECRET: TEST_JWT_SECRET,
      INTEGRATION_SIGNING_KEY: TEST_INTEGRATION_SIGNING_KEY,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      SILENCE_CHECK_INTERVAL_MS: '0',
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => lines.push(line));
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (lines.some((line) => line.includes('functions listening'))) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`functions process exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    lines,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
