import { diagnose, DiagnosisContext } from '../../lib/core/diagnose';
import { answersAsLeader, leaderIndexes, liveWorkerCount, MasterInfoAnswer, parseMasterAddressList, whyNotLeader } from '../../lib/core/master-leader';
import { expectInputError } from './expect-input-error';

const ctx: DiagnosisContext = { endpoint: 'http://10.0.0.7:9000', bucket: 'datalake', directory: 'alluxio' };
const info = (workers: number) =>
  JSON.stringify({ mountPoints: { '/': { ufsUri: 's3://datalake/alluxio' } }, workers: Array.from({ length: workers }, () => ({ address: { host: 'w' } })) });
// What 2.9.6 gives here: the leader a document, a standby a closed connection (node: ECONNRESET), a stopped master a refusal.
const leader: MasterInfoAnswer = { address: 'm0:19999', status: 200, body: info(2) };
const standby: MasterInfoAnswer = { address: 'm1:19999', errno: 'ECONNRESET' };
const down: MasterInfoAnswer = { address: 'm2:19999', errno: 'ECONNREFUSED' };

describe('parseMasterAddressList', () => {
  test('one entry is the single-master form; several are comma-separated, blanks and spaces dropped', () => {
    expect(parseMasterAddressList('master.alluxio.internal:19999', 'AlluxioMaster')).toEqual(['master.alluxio.internal:19999']);
    expect(parseMasterAddressList(' m0:19999, m1 ,[::1]:19999,', 'AlluxioMaster')).toEqual(['m0:19999', 'm1', '[::1]:19999']);
  });

  test.each(['', 'http://m0:19999', 'm0:19999/x', 'm0:19999,m0:19999'])('%j is refused naming the input', (text) => {
    expectInputError(() => parseMasterAddressList(text, '--cluster'), '--cluster');
  });
});

describe('the leader is the master answering a MasterInfo document', () => {
  test('a 200 with MasterInfo leads; a standby, a refusal, a 503 and a 200 of other JSON do not', () => {
    expect(answersAsLeader(leader)).toBe(true);
    expect(answersAsLeader(standby)).toBe(false);
    expect(answersAsLeader(down)).toBe(false);
    expect(answersAsLeader({ address: 'x', status: 503, body: info(1) })).toBe(false);
    expect(answersAsLeader({ address: 'x', status: 200, body: '{"status":"ok"}' })).toBe(false);
    expect(answersAsLeader({ address: 'x', status: 200, body: '<html>' })).toBe(false);
  });

  test('leaderIndexes names none during an election, one normally, two in a split brain', () => {
    expect(leaderIndexes([standby, down])).toEqual([]);
    expect(leaderIndexes([standby, leader, down])).toEqual([1]);
    expect(leaderIndexes([leader, standby, { ...leader, address: 'm2:19999' }])).toEqual([0, 2]);
  });

  test("liveWorkerCount counts the document's workers; not a document: undefined", () => {
    expect(liveWorkerCount(info(3))).toBe(3);
    expect(liveWorkerCount(info(0))).toBe(0);
    expect(liveWorkerCount('nope')).toBeUndefined();
  });

  test('whyNotLeader says what a standby does', () => {
    expect(whyNotLeader(standby)).toMatch(/closed it without an HTTP answer/);
    expect(whyNotLeader(down)).toBe('ECONNREFUSED');
    expect(whyNotLeader({ address: 'x', timedOut: true })).toMatch(/timeout/);
  });
});

describe('quorum and worker findings', () => {
  const observe = (answers: MasterInfoAnswer[]) =>
    diagnose({ kind: 'alluxio-leader', answers: answers.map((a) => ({ address: a.address, leader: answersAsLeader(a), why: whyNotLeader(a) })) }, ctx);

  test('one leader: no finding', () => {
    expect(observe([standby, leader, down])).toBeUndefined();
  });

  test('no leader: transient ALLUXIO_NO_LEADER naming every address asked and why each did not lead', () => {
    const finding = observe([standby, down])!;
    expect(finding).toMatchObject({ code: 'ALLUXIO_NO_LEADER', transient: true });
    expect(finding.cause).toMatch(/no Alluxio master is the leader \(yet\)/);
    expect(finding.cause).toContain('m1:19999, m2:19999');
    expect(finding.cause).toContain('m2:19999: ECONNREFUSED');
  });

  test('two leaders: ALLUXIO_SPLIT_BRAIN naming both', () => {
    const finding = observe([leader, standby, { ...leader, address: 'm2:19999' }])!;
    expect(finding.code).toBe('ALLUXIO_SPLIT_BRAIN');
    expect(finding.cause).toMatch(/^2 Alluxio masters answer as the leader at once: m0:19999, m2:19999/);
  });

  test('fewer live workers than expected: transient ALLUXIO_WORKERS_MISSING naming live/expected; enough: none', () => {
    const finding = diagnose({ kind: 'alluxio-workers', address: 'm0:19999', live: 0, expected: 1 }, ctx)!;
    expect(finding).toMatchObject({ code: 'ALLUXIO_WORKERS_MISSING', transient: true });
    expect(finding.cause).toContain('0/1 live workers');
    expect(diagnose({ kind: 'alluxio-workers', address: 'm0:19999', live: 2, expected: 2 }, ctx)).toBeUndefined();
    expect(diagnose({ kind: 'alluxio-workers', address: 'm0:19999', live: 3, expected: 2 }, ctx)).toBeUndefined();
  });
});
