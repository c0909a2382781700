import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * npm test runs the real-cluster suites side by side except those test/local/lanes.json keeps apart
 * (scripts/test.sh). The suites that start several masters are the heaviest (three masters and three
 * job masters each), and they run one at a time: one left out of the serial lane would run beside
 * another and load the two cores past what the timing of the others allows.
 */

const LOCAL = join(__dirname, '..', 'local');
const lanes: Record<string, string[]> = JSON.parse(readFileSync(join(LOCAL, 'lanes.json'), 'utf8'));
const source = (suite: string) => readFileSync(join(LOCAL, `${suite}.test.ts`), 'utf8');
const suites = readdirSync(LOCAL)
  .filter((file) => file.endsWith('.test.ts'))
  .map((file) => file.replace(/\.test\.ts$/, ''));

test('every suite a lane names exists, and no suite is in two lanes', () => {
  const named = Object.values(lanes).flat();
  expect(named.filter((suite) => !existsSync(join(LOCAL, `${suite}.test.ts`)))).toEqual([]);
  expect(new Set(named).size).toBe(named.length);
});

test('every suite that starts several masters (highly available, or a bare quorum) is in the serial lane', () => {
  const severalMasters = suites.filter((suite) => /AlluxioMasters\.highlyAvailable\(|startMasterQuorum\(/.test(source(suite)));
  expect(severalMasters.length).toBeGreaterThan(0);
  expect(severalMasters.filter((suite) => !lanes.serial.includes(suite))).toEqual([]);
});
