import { validateQuorumSize } from '../core/master-quorum';
import { MasterTopology, QuorumTopology, SingleMasterTopology } from '../parts/master-topology';

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
   * These masters, checked at synth (an error names the prop and the fix), as the topology that answers
   * what depends on their kind: their names, the site file's master fields, the journal's ports, the
   * zones and the services to build.
   * @internal
   */
  public abstract _bind(): MasterTopology;
}

class SingleMaster extends AlluxioMasters {
  public _bind(): MasterTopology {
    return new SingleMasterTopology();
  }
}

class QuorumMasters extends AlluxioMasters {
  constructor(private readonly count: number) {
    super();
  }

  public _bind(): MasterTopology {
    validateQuorumSize(this.count, 'alluxio.masters.count');
    return new QuorumTopology(this.count);
  }
}

/**
 * Consent to a deploy that moves the masters from one journal to the other (`AlluxioMasters.single()`,
 * the UFS journal, to `AlluxioMasters.highlyAvailable()`, the embedded journal, or back). Alluxio 2.9
 * cannot carry a namespace from one journal to the other, so without this the render resource refuses
 * such a deploy and CloudFormation rolls it back, the cluster left as it was.
 */
export abstract class JournalMigration {
  /**
   * Switch journals and lose the namespace: the masters of the new kind start on their own journal as
   * they find it. To highly available masters: new, empty embedded journals. Back to one master: the
   * UFS journal as the single master last left it, so a namespace from before the first switch returns,
   * stale. Either way what only the old journal held is gone from Alluxio: files not yet persisted
   * (ASYNC_THROUGH, MUST_CACHE), pins, TTLs, and metadata of objects Alluxio wrote since; objects in
   * MinIO stay and are listed again by metadata sync. Remove it once the switch is deployed.
   */
  public static abandonNamespace(): JournalMigration {
    return new AbandonNamespace();
  }

  /** @internal */
  public abstract readonly _abandonsNamespace: boolean;
}

class AbandonNamespace extends JournalMigration {
  public readonly _abandonsNamespace = true;
}
