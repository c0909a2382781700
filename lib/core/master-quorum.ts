/*
 * Highly available masters on Alluxio 2.9's embedded (Raft) journal: who the masters are, the ports
 * each one's journal listens on, and what every process must be told about them. Pure, so the site
 * file, the construct and the local cluster take the same rule from one place.
 */
import { ALLUXIO_PORTS } from './alluxio-ports';
import { InputError } from './input-error';

export const EMBEDDED_JOURNAL_ADDRESSES_KEY = 'alluxio.master.embedded.journal.addresses';
export const MASTER_RPC_ADDRESSES_KEY = 'alluxio.master.rpc.addresses';
export const JOB_EMBEDDED_JOURNAL_ADDRESSES_KEY = 'alluxio.job.master.embedded.journal.addresses';
export const JOB_MASTER_RPC_ADDRESSES_KEY = 'alluxio.job.master.rpc.addresses';
export const EMBEDDED_JOURNAL_PORT_KEY = 'alluxio.master.embedded.journal.port';
export const JOB_EMBEDDED_JOURNAL_PORT_KEY = 'alluxio.job.master.embedded.journal.port';

/** Raft needs a majority: an odd count, and more than five only slows every journal write. */
export const QUORUM_SIZES: readonly number[] = [3, 5];

/** Where the job master's embedded journal listens by default (alluxio.job.master.embedded.journal.port). */
const JOB_EMBEDDED_JOURNAL_BASE_PORT = 20003;

/**
 * The two journal ports of master `index`: each master has its own pair. 2.9.6's Raft server binds
 * the wildcard address whatever `alluxio.master.bind.host` says (RaftJournalSystem sets only a port on
 * its gRPC server), so masters sharing one host need distinct ports; on ECS each task has its own
 * interface and distinct ports cost nothing, and one rule keeps the local cluster's proof about the
 * deployed layout.
 */
export function journalPortsOf(index: number): { readonly master: number; readonly jobMaster: number } {
  return { master: ALLUXIO_PORTS.masterEmbeddedJournal + index, jobMaster: JOB_EMBEDDED_JOURNAL_BASE_PORT + index };
}

/** The masters' Raft ports of a quorum of `count`, first and last, for the security group's rule. */
export function masterJournalPortRange(count: number): [number, number] {
  return [journalPortsOf(0).master, journalPortsOf(count - 1).master];
}

/** Refuses a master count Raft cannot use well. */
export function validateQuorumSize(count: number, prop: string): void {
  if (!QUORUM_SIZES.includes(count)) {
    throw new InputError(
      prop,
      `${count} masters cannot form a useful Raft quorum`,
      `use ${QUORUM_SIZES.join(' or ')} (an odd count: a majority must survive a loss)`,
    );
  }
}

/**
 * The site file's keys for a quorum of masters named `hostnames` (in index order): every process
 * finds the primary through the RPC addresses, and every master finds its peers through the journal
 * addresses. The same file serves every master; which one a process is comes from
 * {@link quorumMemberJavaOptions}.
 */
export function quorumSiteEntries(hostnames: readonly string[]): Array<[string, string]> {
  const list = (port: (index: number) => number) => hostnames.map((host, index) => `${host}:${port(index)}`).join(',');
  return [
    [EMBEDDED_JOURNAL_ADDRESSES_KEY, list((i) => journalPortsOf(i).master)],
    [MASTER_RPC_ADDRESSES_KEY, list(() => ALLUXIO_PORTS.masterRpc)],
    [JOB_EMBEDDED_JOURNAL_ADDRESSES_KEY, list((i) => journalPortsOf(i).jobMaster)],
    [JOB_MASTER_RPC_ADDRESSES_KEY, list(() => ALLUXIO_PORTS.jobMasterRpc)],
  ];
}

/**
 * The options that make a process master `index` of the quorum: its own name (which must be the one
 * in the journal addresses: Raft finds its own entry by it) and its own journal ports. As
 * ALLUXIO_JAVA_OPTS, so `bin/alluxio formatJournal`, the master and the job master all see them.
 */
export function quorumMemberJavaOptions(hostname: string, index: number): string {
  const ports = journalPortsOf(index);
  return [
    `-Dalluxio.master.hostname=${hostname}`,
    `-D${EMBEDDED_JOURNAL_PORT_KEY}=${ports.master}`,
    `-D${JOB_EMBEDDED_JOURNAL_PORT_KEY}=${ports.jobMaster}`,
  ].join(' ');
}
