import { ALLUXIO_PORTS } from '../../lib/core/alluxio-ports';
import {
  EMBEDDED_JOURNAL_ADDRESSES_KEY,
  journalPortsOf,
  JOB_EMBEDDED_JOURNAL_ADDRESSES_KEY,
  masterJournalPortRange,
  quorumMemberJavaOptions,
  quorumSiteEntries,
  validateQuorumSize,
} from '../../lib/core/master-quorum';
import { expectInputError } from './expect-input-error';

/*
 * The quorum rule on its own; test/core/site-properties.test.ts pins the four address lists of a
 * three-master file, test/parts/master-topology.test.ts the security group rule it feeds.
 */
describe('journal ports', () => {
  test('master i listens on 19200 + i (Raft) and 20003 + i (job Raft)', () => {
    expect(journalPortsOf(0)).toEqual({ master: 19200, jobMaster: 20003 });
    expect(journalPortsOf(4)).toEqual({ master: 19204, jobMaster: 20007 });
  });

  test("five masters on one host (the local cluster) bind no port twice, nor any other Alluxio server's", () => {
    const journal = [0, 1, 2, 3, 4].flatMap((i) => [journalPortsOf(i).master, journalPortsOf(i).jobMaster]);
    // 20002 is the job master's web port, which ALLUXIO_PORTS names only in masterAll.
    const others = [...ALLUXIO_PORTS.workerAll, ALLUXIO_PORTS.masterRpc, ALLUXIO_PORTS.masterWeb, ALLUXIO_PORTS.jobMasterRpc, 20002, ALLUXIO_PORTS.proxyWeb];
    expect(new Set([...journal, ...others]).size).toBe(journal.length + others.length);
  });

  test('the Raft range runs from the first master to the last, both included', () => {
    expect(masterJournalPortRange(3)).toEqual([19200, 19202]);
    expect(masterJournalPortRange(5)).toEqual([19200, 19204]);
  });
});

describe('validateQuorumSize', () => {
  test.each([3, 5])('%i masters form a quorum', (count) => {
    expect(() => validateQuorumSize(count, 'alluxio.masters.count')).not.toThrow();
  });

  test.each([0, 1, 2, 4, 6, 7, 3.5])('%d masters are refused under the prop given, with the counts that work', (count) => {
    const error = expectInputError(() => validateQuorumSize(count, 'masters'), 'masters');
    expect(error.fix).toBe('use 3 or 5 (an odd count: a majority must survive a loss)');
  });
});

describe('what each process is told', () => {
  const hostnames = ['m-b.ns', 'm-a.ns', 'm-c.ns', 'm-e.ns', 'm-d.ns'];

  test('the address lists keep the order given (index i is master i), not sorted', () => {
    const entries = new Map(quorumSiteEntries(hostnames));
    expect(entries.get(EMBEDDED_JOURNAL_ADDRESSES_KEY)).toBe('m-b.ns:19200,m-a.ns:19201,m-c.ns:19202,m-e.ns:19203,m-d.ns:19204');
    expect(entries.get(JOB_EMBEDDED_JOURNAL_ADDRESSES_KEY)).toBe('m-b.ns:20003,m-a.ns:20004,m-c.ns:20005,m-e.ns:20006,m-d.ns:20007');
  });

  test("master i's options name it and its ports exactly as the journal lists do, so Raft finds its own entry", () => {
    expect(quorumMemberJavaOptions('m-e.ns', 3)).toBe(
      '-Dalluxio.master.hostname=m-e.ns -Dalluxio.master.embedded.journal.port=19203 -Dalluxio.job.master.embedded.journal.port=20006',
    );
    const entries = new Map(quorumSiteEntries(hostnames));
    hostnames.forEach((host, i) => {
      const options = quorumMemberJavaOptions(host, i);
      const [port, jobPort] = [...options.matchAll(/journal\.port=(\d+)/g)].map((m) => m[1]);
      expect(entries.get(EMBEDDED_JOURNAL_ADDRESSES_KEY)!.split(',')).toContain(`${host}:${port}`);
      expect(entries.get(JOB_EMBEDDED_JOURNAL_ADDRESSES_KEY)!.split(',')).toContain(`${host}:${jobPort}`);
    });
  });
});
