import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** util-linux's setpriv, which can ask the kernel to kill a program when its parent dies (Linux only). */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find(isExecutable);

/** Whether `command` names a program that exists (a path, or a name found on PATH). */
function resolvable(command: string): boolean {
  if (command.includes('/')) return isExecutable(command);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && isExecutable(join(dir, command)));
}

/**
 * Spawns a long-running helper program (ffmpeg) so that it dies with this process, even when this process is
 * SIGKILLed and can clean nothing up: through `setpriv --pdeathsig KILL`, which execs the program (the child's pid
 * is the program's) after asking the kernel to kill it when its parent goes. Without setpriv, or for a program that
 * does not exist (whose ENOENT the caller handles), it is spawned as it is.
 */
export function spawnTiedToThisProcess(command: string, args: string[], options: SpawnOptions): ChildProcess {
  if (SETPRIV && resolvable(command)) return spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], options);
  return spawn(command, args, options);
}
