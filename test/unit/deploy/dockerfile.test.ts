import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

import { startHealthServer } from '../../../src/ops/health-server.js';
import { SyncMetrics } from '../../../src/ops/metrics.js';
import { readTemplate } from './helpers/cloudformation-template.js';
import {
  dockerStages,
  execForm,
  parseAssignments,
  parseDockerfile,
  parseHealthcheck,
  readDockerfile,
  type DockerInstruction,
} from './helpers/dockerfile.js';
import { findReachableFiles, findRuntimePackageImports } from './helpers/sdk-calls.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const instructions = readDockerfile(join(repositoryRoot, 'deploy/Dockerfile'));
const stages = dockerStages(instructions);
const runtime = stages.at(-1)!;
const run = promisify(execFile);

function runtimeInstructions(keyword: string): DockerInstruction[] {
  return runtime.instructions.filter((instruction) => instruction.keyword === keyword);
}

describe('Dockerfile reader', () => {
  it('joins continuation lines and skips comments', () => {
    const parsed = parseDockerfile('# syntax=docker/dockerfile:1\nFROM node:22 AS build\nRUN a \\\n    # inner comment\n    && b\n\nCMD ["node"]\n');
    expect(parsed).toEqual([
      { keyword: 'FROM', argument: 'node:22 AS build', line: 2 },
      { keyword: 'RUN', argument: 'a && b', line: 3 },
      { keyword: 'CMD', argument: '["node"]', line: 7 },
    ]);
  });

  it('reads shell and exec forms', () => {
    expect(execForm('["node", "x.js"]')).toEqual(['node', 'x.js']);
    expect(execForm('node x.js')).toBeUndefined();
    expect(parseHealthcheck('--interval=30s --retries=3 CMD ["node", "-e", "1"]')).toEqual({
      options: { interval: '30s', retries: '3' },
      command: ['node', '-e', '1'],
    });
    expect(parseAssignments('NODE_ENV=production TMPDIR="/app/tmp"')).toEqual({ NODE_ENV: 'production', TMPDIR: '/app/tmp' });
  });
});

describe('deploy/Dockerfile', () => {
  it('builds every stage from Node 22', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(stage.baseImage).toMatch(/^node:22[-.]/);
    }
  });

  it('installs with npm ci from the lock file', () => {
    const commands = stages.flatMap((stage) => stage.instructions).filter((instruction) => instruction.keyword === 'RUN');
    const install = commands.filter((instruction) => /\bnpm (ci|install|i)\b/.test(instruction.argument));
    expect(install).toHaveLength(1);
    // Development dependencies (tsc) are needed to build, then pruned before the runtime stage copies node_modules.
    expect(install[0]!.argument).toMatch(/\bnpm ci\b/);
    expect(install[0]!.argument).toMatch(/\bnpm run build\b.*\bnpm prune --omit=dev\b/);

    const build = stages[0]!;
    const copied = build.instructions.filter((instruction) => instruction.keyword === 'COPY').map((instruction) => instruction.argument);
    expect(copied).toContainEqual(expect.stringMatching(/package-lock\.json/));
    const packages = build.instructions.find((instruction) => instruction.argument.includes('apt-get install'))?.argument ?? '';
    for (const tool of ['python3', 'make', 'g++']) {
      expect(packages.split(/\s+/), `the build stage needs ${tool} to compile better-sqlite3`).toContain(tool);
    }
  });

  it('runs as a user other than root', () => {
    const users = runtimeInstructions('USER');
    expect(users.length).toBeGreaterThan(0);
    const lastUser = users.at(-1)!;
    expect(lastUser.argument).not.toMatch(/^(root|0)(:|$)/);

    const cmd = runtimeInstructions('CMD').at(-1)!;
    expect(lastUser.line).toBeLessThan(cmd.line);
  });

  it('starts the daemon in exec form', () => {
    const cmds = runtimeInstructions('CMD');
    expect(cmds).toHaveLength(1);
    expect(execForm(cmds[0]!.argument), 'CMD must be a JSON array so SIGTERM reaches node').toEqual(['node', 'dist/cli/main.js', 'run']);
    expect(runtimeInstructions('ENTRYPOINT')).toEqual([]);
    // dist/cli/main.js is what tsc makes of src/cli/main.ts with tsconfig.build.json.
    const build = JSON.parse(readFileSync(join(repositoryRoot, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(build.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    expect(existsSync(join(repositoryRoot, 'src/cli/main.ts'))).toBe(true);
    expect(runtimeInstructions('STOPSIGNAL').map((instruction) => instruction.argument)).toEqual(['SIGTERM']);
  });

  it('sets production mode and the health port', () => {
    const env = Object.assign({}, ...runtimeInstructions('ENV').map((instruction) => parseAssignments(instruction.argument)));
    expect(env.NODE_ENV).toBe('production');

    const envSource = readFileSync(join(repositoryRoot, 'src/config/env.ts'), 'utf8');
    const defaultPort = /'HEALTH_PORT',\s*\{\s*fallback:\s*(\d+)/.exec(envSource)?.[1];
    expect(defaultPort, 'could not find the HEALTH_PORT default in src/config/env.ts').toBeDefined();
    expect(runtimeInstructions('EXPOSE').map((instruction) => instruction.argument)).toEqual([defaultPort]);
  });

  it('declares a health check on /healthz', () => {
    const [healthcheck, ...others] = runtimeInstructions('HEALTHCHECK');
    expect(others).toEqual([]);
    const { command, options } = parseHealthcheck(healthcheck!.argument);
    expect(command?.slice(0, 2)).toEqual(['node', '-e']);
    expect(command?.[2]).toContain('/healthz');
    expect(options.timeout).toBe('5s');
  });

  it('holds no credentials', () => {
    const assignments = stages
      .flatMap((stage) => stage.instructions)
      .concat(instructions.filter((instruction) => instruction.keyword === 'ARG'))
      .filter((instruction) => instruction.keyword === 'ENV' || instruction.keyword === 'ARG')
      .flatMap((instruction) => Object.keys(parseAssignments(instruction.argument)));
    for (const name of assignments) {
      expect(name, `${name} looks like a credential; pass it at run time through ECS secrets`).not.toMatch(
        /PASSWORD|SECRET|TOKEN|CREDENTIAL|ACCESS_KEY|API_KEY|CLIENT_ID|USERNAME/i,
      );
    }
    const text = readFileSync(join(repositoryRoot, 'deploy/Dockerfile'), 'utf8');
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}/);
  });

  it('gives the node user its writable volumes', () => {
    const volumes = runtimeInstructions('VOLUME').flatMap((instruction) => execForm(instruction.argument) ?? instruction.argument.split(/\s+/));
    expect(volumes).toContain('/app/data');

    const chown = runtimeInstructions('RUN').find((instruction) => /chown node:node/.test(instruction.argument));
    for (const volume of volumes) {
      expect(chown?.argument.split(/\s+/), `${volume} must be owned by node before USER node`).toContain(volume);
    }

    // The default STATE_STORE (sqlite:./data/state.db) resolves against WORKDIR.
    expect(runtimeInstructions('WORKDIR').at(-1)?.argument).toBe('/app');
    const env = Object.assign({}, ...runtimeInstructions('ENV').map((instruction) => parseAssignments(instruction.argument)));
    expect(volumes, 'TMPDIR must be writable on a read-only root file system').toContain(env.TMPDIR);
  });

  it('copies sources that exist and are not ignored', () => {
    const ignored = readFileSync(join(repositoryRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#') && !line.startsWith('!'))
      .map((line) => line.replace(/^\/|\/$/g, ''));
    expect(ignored).toContain('node_modules');
    expect(ignored).toContain('.env');

    const copies = stages.flatMap((stage) => stage.instructions).filter((instruction) => instruction.keyword === 'COPY' && !instruction.argument.includes('--from='));
    const sources = copies.flatMap((instruction) => instruction.argument.split(/\s+/).filter((part) => !part.startsWith('--')).slice(0, -1));
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'mappings']));
    for (const source of sources) {
      expect(existsSync(join(repositoryRoot, source)), `COPY ${source}: no such file in the repository`).toBe(true);
      expect(ignored, `COPY ${source}: .dockerignore excludes it from the build context`).not.toContain(source);
    }
  });

  it('imports only production dependencies at run time', () => {
    // The image installs with --omit=dev, so a static import of a dev dependency anywhere the CLI
    // loads would crash the container at start. Dynamic imports may guard optional dev tools.
    const manifest = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const imports = findRuntimePackageImports(findReachableFiles(join(repositoryRoot, 'src/cli/main.ts')));

    const missing = [...imports.entries()]
      .filter(([packageName]) => !(packageName in manifest.dependencies))
      .map(([packageName, files]) => `${packageName} (imported by ${files.map((file) => file.slice(repositoryRoot.length)).join(', ')})`);
    expect(missing, 'move these to "dependencies" in package.json, or import them dynamically').toEqual([]);
  });
});

describe('health check command', () => {
  const healthcheck = parseHealthcheck(runtimeInstructions('HEALTHCHECK')[0]!.argument).command!;
  const template = readTemplate(join(repositoryRoot, 'deploy/cloudformation.yaml'));
  const ecsCommand = (template.Resources.TaskDefinition!.Properties!.ContainerDefinitions[0].HealthCheck.Command as string[]).slice(1);
  let close: (() => Promise<void>) | undefined;

  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** Runs a health check command with HEALTH_PORT set, and returns its exit code. */
  async function exitCodeOf(command: string[], port: number): Promise<number> {
    const [executable, ...args] = command;
    expect(executable).toBe('node');
    try {
      await run(process.execPath, args, { env: { ...process.env, HEALTH_PORT: String(port) }, timeout: 15_000 });
      return 0;
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
  }

  async function startDaemonHealth(running: boolean, lastPollAt: number): Promise<number> {
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      metrics: new SyncMetrics(),
      health: { isRunning: () => running, lastPollAt: () => lastPollAt },
    });
    close = server.close;
    return server.port;
  }

  async function unusedPort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
  }

  for (const [name, command] of [
    ['Dockerfile HEALTHCHECK', healthcheck],
    ['ECS container HealthCheck', ecsCommand],
  ] as const) {
    it(`${name} passes while polling`, async () => {
      const port = await startDaemonHealth(true, Date.now());
      expect(await exitCodeOf([...command], port)).toBe(0);
    });

    it(`${name} fails after polling stopped`, async () => {
      const port = await startDaemonHealth(false, Date.now());
      expect(await exitCodeOf([...command], port)).toBe(1);
    });

    it(`${name} fails when the poll loop stalls`, async () => {
      const port = await startDaemonHealth(true, Date.now() - 10 * 60_000);
      expect(await exitCodeOf([...command], port)).toBe(1);
    });

    it(`${name} fails when nothing listens`, async () => {
      expect(await exitCodeOf([...command], await unusedPort())).toBe(1);
    });
  }
});
