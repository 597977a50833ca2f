// `npx tsx infra/bench/cpu-by-process.ts -- <command…>`: runs a command (a bench) and reports the CPU seconds
// (utime + stime from /proc) its whole process tree used, by kind: PostgreSQL backends, the functions server, the
// rest (load generator, npm, tsx). CPU time rather than wall time, so a busy host slows the run without changing much
// what each part costs; two runs of different lengths give the cost per request by difference. Linux only.
// Sampled every 100 ms: a process that lives less than that is missed. Last stdout line:
// {"postgres_s":…,"functions_s":…,"other_s":…,"exit":…}
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

type Kind = 'postgres' | 'functions' | 'other';

const CLOCK_TICKS = 100; // USER_HZ on Linux

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process ended between listing and reading
  }
}

/** Parent pid, name and CPU seconds of every process now running. */
function processes() {
  const found = new Map<number, { parent: number; name: string; cpu: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    if (!stat) continue;
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    found.set(Number(entry), {
      parent: Number(fields[1]),
      name,
      cpu: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
    });
  }
  return found;
}

function kindOf(pid: number, name: string): Kind {
  if (name.startsWith('postgres')) return 'postgres';
  const command = read(`/proc/${pid}/cmdline`)?.replaceAll('\0', ' ') ?? '';
  return command.includes('functions/node.ts') ? 'functions' : 'other';
}

const command = process.argv.slice(2).filter((arg, index) => !(index === 0 && arg === '--'));
if (command.length === 0) throw new Error('usage: cpu-by-process.ts -- <command…>');
const child = spawn(command[0] ?? '', command.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
const seen = new Map<number, { kind: Kind; cpu: number }>();
const sample = () => {
  const all = processes();
  const children = new Map<number, number[]>();
  for (const [pid, { parent }] of all) children.set(parent, [...(children.get(parent) ?? []), pid]);
  const stack = child.pid ? [child.pid] : [];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    stack.push(...(children.get(pid) ?? []));
    const info = all.get(pid);
    if (!info) continue;
    const known = seen.get(pid);
    // Asked again while 'other': a child sampled between fork and exec still shows its parent's command line.
    const kind = known && known.kind !== 'other' ? known.kind : kindOf(pid, info.name);
    seen.set(pid, { kind, cpu: Math.max(known?.cpu ?? 0, info.cpu) });
  }
};
const timer = setInterval(sample, 100);
const exit = await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
clearInterval(timer);
const totals: Record<Kind, number> = { postgres: 0, functions: 0, other: 0 };
for (const { kind, cpu } of seen.values()) totals[kind] += cpu;
const round = (seconds: number) => Math.round(seconds * 100) / 100;
console.log(
  JSON.stringify({
    postgres_s: round(totals.postgres),
    functions_s: round(totals.functions),
    other_s: round(totals.other),
    exit,
  }),
);
process.exitCode = exit;
