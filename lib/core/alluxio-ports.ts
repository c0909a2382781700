/* The cluster's ports (Alluxio's, and the provisioned MinIO's), in a module of their own: the site file's rules, the start
   scripts and the constructs all need them. */

/** Alluxio's ports (DESIGN.md, from the Alluxio docs and Helm chart). */
export const ALLUXIO_PORTS = {
  masterRpc: 19998,
  masterWeb: 19999,
  masterEmbeddedJournal: 19200,
  jobMasterRpc: 20001,
  workerRpc: 29999,
  workerWeb: 30000,
  /** alluxio.job.worker.rpc.port (30002 is the job worker's data port, advertised but never bound in 2.9; 30003 its web port). */
  jobWorkerRpc: 30001,
  /** The proxy's web port, which serves the S3 API under S3_API_PATH (alluxio.proxy.web.port). */
  proxyWeb: 39999,
  masterAll: [19998, 19999, 19200, 20001, 20002, 20003],
  workerAll: [29999, 30000, 30001, 30002, 30003],
} as const;

/**
 * The ports the masters and workers use among themselves, opened within the cluster's security group as
 * one range: from the master's RPC port to the job worker's web port (the embedded journal's 19200, below
 * it, has a rule of its own, and only with a quorum).
 */
export const ALLUXIO_CLUSTER_PORT_RANGE = { from: ALLUXIO_PORTS.masterRpc, to: 30003 } as const;

/** The S3 port of the MinIO this construct provisions (MinIO's default). */
export const MINIO_PORT = 9000;
