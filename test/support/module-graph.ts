import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** A TypeScript source tree's modules (paths relative to `root`'s parent) and what each imports. */
export interface ModuleGraph {
  /** Module → the modules of the tree it imports (static `from` or dynamic `import()`), relative paths. */
  readonly local: Map<string, string[]>;
  /** Module → the packages it imports (`node:fs`, `aws-cdk-lib/aws-ecs`, ...). */
  readonly packages: Map<string, string[]>;
}

const SPECIFIER = /(?:\bfrom|\bimport\(|^import)\s*'([^']+)'/gm;

/** Reads every `.ts` module under `root` (not `.d.ts`), by its import specifiers. */
export function readModuleGraph(root: string): ModuleGraph {
  const base = dirname(resolve(root));
  const local = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) {
        const name = relative(base, path);
        local.set(name, []);
        packages.set(name, []);
        for (const [, specifier] of readFileSync(path, 'utf8').matchAll(SPECIFIER)) {
          if (!specifier.startsWith('.')) {
            packages.get(name)!.push(specifier);
            continue;
          }
          const target = resolve(dirname(path), specifier);
          const file = [`${target}.ts`, join(target, 'index.ts')].find(existsSync);
          // A specifier that names no module of the tree (a .json file) is no edge between modules.
          if (file) local.get(name)!.push(relative(base, file));
        }
      }
    }
  };
  walk(resolve(root));
  return { local, packages };
}

/** The import cycles: each set of modules that reach one another (Tarjan's strongly connected components). */
export function importCycles(local: Map<string, string[]>): string[][] {
  let next = 0;
  const order = new Map<string, number>();
  const lowest = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (module: string) => {
    order.set(module, next);
    lowest.set(module, next);
    next++;
    stack.push(module);
    for (const target of local.get(module) ?? []) {
      if (!order.has(target)) {
        visit(target);
        lowest.set(module, Math.min(lowest.get(module)!, lowest.get(target)!));
      } else if (stack.includes(target)) {
        lowest.set(module, Math.min(lowest.get(module)!, order.get(target)!));
      }
    }
    if (lowest.get(module) === order.get(module)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        component.push(member);
      } while (member !== module);
      const selfImport = (local.get(module) ?? []).includes(module);
      if (component.length > 1 || selfImport) cycles.push(component.sort());
    }
  };
  for (const module of local.keys()) if (!order.has(module)) visit(module);
  return cycles;
}
