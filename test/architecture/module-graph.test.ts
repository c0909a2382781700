import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCycles, readModuleGraph } from '../support/module-graph';

// The layering the README describes, checked on the sources: lib/core is pure (render, validate and
// diagnose import no AWS SDK, no CDK and nothing outside lib/core), and no module of lib imports itself
// back through others (the CLI's dispatcher and its commands did).

const LIB = join(__dirname, '..', '..', 'lib');
const graph = readModuleGraph(LIB);

test('no import cycle among the modules of lib/, dynamic imports included', () => {
  expect(graph.local.size).toBeGreaterThan(50);
  expect(importCycles(graph.local)).toEqual([]);
});

test('lib/core imports only Node built-ins, properties-file and lib/core', () => {
  const core = [...graph.local.keys()].filter((module) => module.startsWith('lib/core/'));
  expect(core.length).toBeGreaterThan(20);
  const outside = core.flatMap((module) => [
    ...graph.local
      .get(module)!
      .filter((target) => !target.startsWith('lib/core/'))
      .map((target) => `${module} -> ${target}`),
    ...graph.packages
      .get(module)!
      .filter((name) => !name.startsWith('node:') && !/^properties-file(\/|$)/.test(name))
      .map((name) => `${module} -> ${name}`),
  ]);
  expect(outside).toEqual([]);
});

test('the checks can fail: a cycle through a dynamic import and a package import are found', () => {
  const dir = mkdtempSync(join(tmpdir(), 'module-graph-'));
  try {
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib', 'dispatcher.ts'), "export const load = () => import('./command');\n");
    writeFileSync(join(dir, 'lib', 'command.ts'), "import { S3Client } from '@aws-sdk/client-s3';\nimport { load } from './dispatcher';\n");
    writeFileSync(join(dir, 'lib', 'leaf.ts'), 'export const x = 1;\n');
    const sample = readModuleGraph(join(dir, 'lib'));
    expect(importCycles(sample.local)).toEqual([['lib/command.ts', 'lib/dispatcher.ts']]);
    expect(sample.packages.get('lib/command.ts')).toEqual(['@aws-sdk/client-s3']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
