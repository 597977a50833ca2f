// Runs the real nginx (Debian package) with infra/nginx's config outside Docker: as a foreground child process
// with its own prefix, pid, temp and log files under one folder, on unprivileged ports. Used by the tests and by
// `npm run nginx` (in front of `npm start`).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { consoleRoot } from '../paths';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
export const nginxTemplate = join(here, 'carewatch.conf.template');

export interface LocalNginxOptions {
  /** Folder for the rendered config, pid, temp files, logs and the dev certificate. */
  dir: string;
  functionsUpstream: string;
  /** One realtime node's host:port, or several comma-separated (nginx balances over them, least connections). */
  realtimeUpstream: string;
  httpPort: number;
  httpsPort: number;
  consoleRoot?: string;
  nginxBinary?: string;
}

export interface LocalNginx {
  readonly httpsUrl: string;
  readonly httpUrl: string;
  readonly accessLog: string;
  readonly errorLog: string;
  /** The development certificate nginx serves (PEM), for clients that should trust it. */
  readonly certificateFile: string;
  stop(): Promise<void>;
}

/** The template's variables for a local run; the container sets the same names (docker-compose.yml). */
export function localTemplateVariables(options: LocalNginxOptions): Record<string, string> {
  const tls = join(options.dir, 'tls');
  return {
    HTTP_PORT: String(options.httpPort),
    HTTPS_PORT: String(options.httpsPort),
    PUBLIC_HTTPS_PORT: String(options.httpsPort),
    TLS_CERT: join(tls, 'dev.crt'),
    TLS_KEY: join(tls, 'dev.key'),
    FUNCTIONS_UPSTREAM: options.functionsUpstream,
    REALTIME_UPSTREAM: options.realtimeUpstream,
    // Consulted only for `resolve` servers, which local runs do not use (fixed addresses).
    NGINX_RESOLVER: '127.0.0.1',
    CONSOLE_ROOT: options.consoleRoot ?? consoleRoot,
    NGINX_RUN_DIR: options.dir,
    ACCESS_LOG: join(options.dir, 'access.log'),
    ERROR_LOG: join(options.dir, 'error.log'),
  };
}

export async function startLocalNginx(options: LocalNginxOptions): Promise<LocalNginx> {
  mkdirSync(join(options.dir, 'tls'), { recursive: true });
  // Under root nginx's workers drop to an unprivileged user, which must reach the temp folders in here.
  chmodSync(options.dir, 0o755);
  const variables = localTemplateVariables(options);
  await run('sh', [join(here, 'dev-certificate.sh'), join(options.dir, 'tls')]);
  const config = join(options.dir, 'nginx.conf');
  await run('sh', [join(here, 'render.sh'), nginxTemplate, config], { env: { ...process.env, ...variables } });

  const child = spawn(
    options.nginxBinary ?? 'nginx',
    ['-e', variables.ERROR_LOG ?? 'stderr', '-p', options.dir, '-c', config, '-g', 'daemon off;'],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  await Promise.race([
    waitForPort(options.httpsPort),
    exited.then((code) => {
      throw new Error(`nginx exited with ${code} before listening; see ${variables.ERROR_LOG}`);
    }),
  ]);
  return {
    httpsUrl: `https://127.0.0.1:${options.httpsPort}`,
    httpUrl: `http://127.0.0.1:${options.httpPort}`,
    accessLog: variables.ACCESS_LOG ?? '',
    errorLog: variables.ERROR_LOG ?? '',
    certificateFile: variables.TLS_CERT ?? '',
    stop: () => stopChild(child, exited),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
}

async function waitForPort(port: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolveOpen) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolveOpen(true);
      });
      socket.once('error', () => resolveOpen(false));
    });
    if (open) return;
    await new Promise((wait) => setTimeout(wait, 50));
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** The realtime nodes `npm start` runs with the same environment: REALTIME_NODES consecutive ports from REALTIME_PORT. */
export function npmStartRealtimeNodes(env: NodeJS.ProcessEnv): string {
  const first = Number(env.REALTIME_PORT ?? 8788);
  const count = Number(env.REALTIME_NODES ?? 1);
  return Array.from({ length: count }, (_, index) => `127.0.0.1:${first + index}`).join(',');
}

// `npm run nginx`: the entry point in front of `npm start` (its default ports) on https://localhost:8443.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const nginx = await startLocalNginx({
    dir: resolve(env.CAREWATCH_DATA_DIR ?? '.data', 'nginx'),
    functionsUpstream: env.FUNCTIONS_UPSTREAM ?? `127.0.0.1:${env.PORT ?? 8787}`,
    realtimeUpstream: env.REALTIME_UPSTREAM ?? npmStartRealtimeNodes(env),
    httpPort: Number(env.NGINX_HTTP_PORT ?? 8080),
    httpsPort: Number(env.NGINX_HTTPS_PORT ?? 8443),
  });
  console.log(
    `nginx                https://localhost:${env.NGINX_HTTPS_PORT ?? 8443} (dev certificate ${nginx.certificateFile})`,
  );
  console.log(`access log           ${nginx.accessLog} — Ctrl-C stops nginx`);
  const stop = () => void nginx.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
