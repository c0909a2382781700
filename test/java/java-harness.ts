import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ALLUXIO_JAVA17_OPTIONS, javaClasspath } from '../support/alluxio-java';
import { TEST_JVM_OPTIONS } from '../support/test-jvm';

const SOURCES = join(__dirname, 'src');

/** The helper classes compiled into a fresh temp dir (class files are never written into the repo). */
export class JavaHelpers {
  readonly workDir = mkdtempSync(join(tmpdir(), 'alluxio-minio-java-'));
  readonly classpath: string;
  /** The compiled helper classes alone, to pair with another Alluxio release's jars. */
  readonly classesDir: string;

  constructor() {
    const classes = join(this.workDir, 'classes');
    this.classesDir = classes;
    mkdirSync(classes);
    const sources = readdirSync(SOURCES)
      .filter((f) => f.endsWith('.java'))
      .map((f) => join(SOURCES, f));
    execFileSync('javac', ['-encoding', 'UTF-8', '-d', classes, '-cp', javaClasspath(), ...sources], { stdio: 'pipe' });
    this.classpath = [classes, javaClasspath()].join(delimiter);
  }

  /** Runs a helper class; stdout lines (SLF4J noise goes to stderr). */
  run(mainClass: string, args: string[], jvmOptions: string[] = []): string[] {
    const out = execFileSync('java', [...ALLUXIO_JAVA17_OPTIONS, ...TEST_JVM_OPTIONS, ...jvmOptions, '-cp', this.classpath, mainClass, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out.split('\n').filter((line) => line !== '');
  }

  /** Writes `text` as a file in a new directory under the work dir and returns the directory. */
  writeConfDir(text: string, fileName = 'alluxio-site.properties'): string {
    const dir = mkdtempSync(join(this.workDir, 'conf-'));
    writeFileSync(join(dir, fileName), text, 'utf8');
    return dir;
  }

  dispose(): void {
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/** Splits PropertiesDump output ("file <n>" then that file's entries) into one decoded map per file. */
export function decodePropertiesDump(lines: string[]): Array<Record<string, string | undefined>> {
  const files: string[][] = [];
  for (const line of lines) {
    if (line.startsWith('file ')) {
      files.push([]);
    } else {
      files[files.length - 1].push(line);
    }
  }
  return files.map(decodeHexPairs);
}

/** Decodes the "hex(key) hex(value)" lines the dump helpers print. */
export function decodeHexPairs(lines: string[]): Record<string, string | undefined> {
  const decode = (hex: string) => (hex === '-' ? '' : Buffer.from(hex, 'hex').toString('utf8'));
  return Object.fromEntries(
    lines.map((line) => {
      const [key, value] = line.split(' ');
      return [decode(key), value === 'unset' ? undefined : decode(value)];
    }),
  );
}
