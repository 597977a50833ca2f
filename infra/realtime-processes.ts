// Realtime nodes as OS processes of their own (`realtime/main.ts` under node with the tsx loader), for `npm start`
// with REALTIME_NODES > 1 and for the tests that kill or drain one node while the others carry on.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const mainFile = fileURLToPath(new URL('../realtime/main.ts', import.meta.url));

export interface RealtimeProcess {
  readonly child: ChildProcess;
  /** http:// URL the node listens on. */
  readonly url: string;
  /** SIGTERM (the node drains: see realtime/node.ts) and wait for the process to exit. */
  stop(): Promise<void>;
}

/**
 * Starts one realtime node process with `env` over this process's environment (REALTIME_PORT 0 and HOST 127.0.0.1
 * unless given) and resolves once it listens (it says so over IPC, whatever its log level). Its log lines go to this
 * process's stdout with `echo`, nowhere otherwise. `fileLimit`: the process's open-file limit (through the shell's
 * `ulimit -n`, so it holds from the first file the process opens).
 */
export async function spawnRealtimeNode(
  env: Record<string, string | undefined>,
  options: { echo?: boolean; fileLimit?: number } = {},
): Promise<RealtimeProcess> {
  const node = [process.execPath, '--import', 'tsx', mainFile];
  const [command, ...args] =
    options.fileLimit === undefined
      ? node
      : ['/bin/sh', '-c', 'ulimit -n "$0" && exec "$@"', String(options.fileLimit), ...node];
  const child = spawn(command ?? process.execPath, args, {
    env: { ...process.env, REALTIME_PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', options.echo ? 'inherit' : 'ignore', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code, signal) => reject(new Error(`realtime node exited with ${code ?? signal}`)));
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message.type === 'listening' && message.url) resolve(message.url);
    });
  });
  child.disconnect();
  return {
    child,
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
