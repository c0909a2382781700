/** Highly available masters: several masters on Alluxio's embedded (Raft) journal. */
export interface HighlyAvailableMastersOptions {
  /**
   * How many masters; a majority of them must run for the cluster to serve (3 survive the loss of 1,
   * 5 of 2).
   *
   * @default 3
   */
  readonly count?: number;
}

/** How many Alluxio masters run, and on which journal. */
export abstract class AlluxioMasters {
  /**
   * One master on the UFS journal (an encrypted EFS file system). A lost master is replaced by ECS; until
   * the new one has replayed the journal, nothing is served.
   */
  public static single(): AlluxioMasters {
    return new SingleMaster();
  }

  /**
   * Several masters on the embedded journal, each its own ECS service with its own Cloud Map name
   * (`master-0`, `master-1`, ...) and its own journal on EFS. When the primary is lost, the others
   * elect a new one without a deploy; workers and clients know every master.
   */
  public static highlyAvailable(options: HighlyAvailableMastersOptions = {}): AlluxioMasters {
    return new QuorumMasters(options.count ?? 3);
  }

  /**
   * How many masters are on the embedded journal; undefined for the single master on the UFS journal.
   * @internal
   */
  public abstract readonly _quorumSize?: number;
}

class SingleMaster extends AlluxioMasters {
  public readonly _quorumSize = undefined;
}

class QuorumMasters extends AlluxioMasters {
  constructor(public readonly _quorumSize: number) {
    super();
  }
}
