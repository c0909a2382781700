import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as library from '../../lib';

// What jsii and npm would drop or break without a word: checked on the assembly the jsii build
// (`npm run build:jsii`) compiled and on the file list `npm pack` would publish.
const ROOT = join(__dirname, '..', '..');
const ASSEMBLY_FILE = join(ROOT, '.jsii');
const manifest = require(join(ROOT, 'package.json'));

interface AssemblyType {
  readonly kind: string;
  readonly name: string;
  readonly properties?: Array<{ name: string; static?: boolean; const?: boolean; type: unknown }>;
}

function readAssembly(): { types: Record<string, AssemblyType> } {
  if (!existsSync(ASSEMBLY_FILE)) throw new Error('no .jsii: run `npm run build:jsii` (npm test does)');
  return JSON.parse(readFileSync(ASSEMBLY_FILE, 'utf8'));
}

interface PackedFile {
  readonly path: string;
  readonly mode: number;
}

function packedFiles(): PackedFile[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return JSON.parse(out)[0].files;
}

test('every class the library exports reaches the assembly, so Python and Java have it', () => {
  const { types } = readAssembly();
  const classes = Object.entries(library)
    .filter(([, value]) => typeof value === 'function')
    .map(([name]) => name);
  expect(classes.length).toBeGreaterThan(0);
  for (const name of classes) expect(Object.keys(types)).toContain(`${manifest.name}.${name}`);
});

test('every enum the library exports is an enum of the assembly, with the same members', () => {
  const { types } = readAssembly();
  expect(types[`${manifest.name}.WriteType`]).toMatchObject({ kind: 'enum' });
  const members = ((types[`${manifest.name}.WriteType`] as unknown as { members: Array<{ name: string }> }).members ?? []).map((m) => m.name);
  expect(members.sort()).toEqual(Object.keys(library.WriteType).sort());
});

test('every exported constant is also a static constant of a class: jsii drops module constants', () => {
  const { types } = readAssembly();
  const staticConstants = Object.values(types).flatMap((type) =>
    (type.properties ?? []).filter((p) => p.static && p.const).map((p) => ({ owner: type.name, name: p.name })),
  );
  // An enum is a type of its own in the assembly (kind "enum"); only plain values are dropped.
  const constants = Object.entries(library).filter(([name, value]) => typeof value !== 'function' && types[`${manifest.name}.${name}`]?.kind !== 'enum');
  expect(constants.map(([name]) => name)).toContain('DEFAULT_ALLUXIO_VERSION');
  for (const [name, value] of constants) {
    const twin = staticConstants.find((c) => c.name === name);
    expect({ name, twin: twin?.owner }).toEqual({ name, twin: expect.any(String) });
    expect((library as Record<string, any>)[twin!.owner][name]).toBe(value);
  }
});

test('the published files hold the assembly and an executable CLI', () => {
  const files = packedFiles();
  expect(files.map((f) => f.path)).toContain('.jsii');
  const cli = files.find((f) => f.path === manifest.bin['alluxio-minio']);
  expect(cli).toBeDefined();
  // The Python package's console script has the jsii kernel run the file as unpacked from the tarball.
  expect(cli!.mode & 0o111).toBe(0o111);
});

test('published library code needs nothing at run time but its dependencies and peers', () => {
  const allowed = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const packageOf = (specifier: string) =>
    specifier
      .split('/')
      .slice(0, specifier.startsWith('@') ? 2 : 1)
      .join('/');
  const shippedCode = packedFiles().filter((f) => f.path.startsWith('lib/') && f.path.endsWith('.js'));
  expect(shippedCode.length).toBeGreaterThan(0);
  const unmet: string[] = [];
  for (const { path } of shippedCode) {
    const source = readFileSync(join(ROOT, path), 'utf8');
    for (const [, specifier] of source.matchAll(/require\("([^"]+)"\)/g)) {
      const external = !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier);
      if (external && !allowed.has(packageOf(specifier))) unmet.push(`${path}: ${specifier}`);
    }
  }
  // The AWS SDK belongs in the handler and CLI bundles, which carry it themselves.
  expect(unmet).toEqual([]);
});

test('API.md is what jsii-docgen generates from the assembly (npm run docgen rewrites it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docgen-'));
  try {
    const generated = join(dir, 'API.md');
    execFileSync('npx', ['--no-install', 'jsii-docgen', '--output', generated], {
      cwd: ROOT,
      env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
      stdio: 'ignore',
      timeout: 120_000,
    });
    expect(readFileSync(join(ROOT, 'API.md'), 'utf8')).toBe(readFileSync(generated, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
