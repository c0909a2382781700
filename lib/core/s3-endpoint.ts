import { ALLUXIO_CLUSTER_PORT_RANGE, ALLUXIO_PORTS, S3_API_PATH } from './alluxio-container';
import { validateFargateSize, validateWholeNumber } from './fargate-sizing';
import { InputError } from './input-error';
import { alluxioJvmMemory, jvmMemoryEnvironment } from './jvm-memory';

/**
 * The rules of the S3 endpoint (Alluxio 2.9's proxy serving the S3 API): which settings are valid,
 * its address, and which peers may reach it. Plain functions, no AWS: the construct and the tests
 * use them alike.
 */

/** The S3 endpoint's props as the user gives them (S3EndpointOptions). */
export interface S3EndpointInput {
  readonly enabled?: boolean;
  readonly port?: number;
  readonly proxyCpu?: number;
  readonly proxyMemoryMiB?: number;
  readonly desiredCount?: number;
}

export interface S3EndpointSettings {
  readonly port: number;
  readonly proxyCpu: number;
  readonly proxyMemoryMiB: number;
  readonly desiredCount: number;
  /** ALLUXIO_PROXY_JAVA_OPTS: the proxy JVM's heap and direct-memory limits, from its task memory. */
  readonly jvmOptions: Record<string, string>;
}

export const S3_ENDPOINT_DEFAULTS = {
  enabled: false,
  port: ALLUXIO_PORTS.proxyWeb,
  proxyCpu: 1024,
  proxyMemoryMiB: 2048,
  desiredCount: 1,
} as const;

/** The Cloud Map name of the proxy service: the endpoint is `s3.<namespace>`. */
export const S3_ENDPOINT_CLOUD_MAP_NAME = 's3';

/** The endpoint's settings, checked; undefined when the endpoint is off. Errors name the prop and the fix. */
export function resolveS3EndpointSettings(input: S3EndpointInput | undefined): S3EndpointSettings | undefined {
  if (!(input?.enabled ?? S3_ENDPOINT_DEFAULTS.enabled)) return undefined;
  const port = input?.port ?? S3_ENDPOINT_DEFAULTS.port;
  // The image runs as uid 1000, which cannot bind a port below 1024.
  validateWholeNumber('s3Endpoint.port', port, 1024, 65535, `choose a port from 1024 to 65535 (the default is ${S3_ENDPOINT_DEFAULTS.port})`);
  // The master's and workers' own ports, which the cluster's security group opens among them.
  if ((port >= ALLUXIO_CLUSTER_PORT_RANGE.from && port <= ALLUXIO_CLUSTER_PORT_RANGE.to) || port === ALLUXIO_PORTS.masterEmbeddedJournal) {
    throw new InputError(
      's3Endpoint.port',
      `${port} is one of the ports Alluxio's master and workers use ` +
        `(${ALLUXIO_PORTS.masterEmbeddedJournal}, ${ALLUXIO_CLUSTER_PORT_RANGE.from}-${ALLUXIO_CLUSTER_PORT_RANGE.to})`,
      `choose a port outside them (the default is ${S3_ENDPOINT_DEFAULTS.port})`,
    );
  }
  const proxyCpu = input?.proxyCpu ?? S3_ENDPOINT_DEFAULTS.proxyCpu;
  const proxyMemoryMiB = input?.proxyMemoryMiB ?? S3_ENDPOINT_DEFAULTS.proxyMemoryMiB;
  validateFargateSize('s3Endpoint.proxy', proxyCpu, proxyMemoryMiB);
  const desiredCount = input?.desiredCount ?? S3_ENDPOINT_DEFAULTS.desiredCount;
  validateWholeNumber('s3Endpoint.desiredCount', desiredCount, 1, 20, 'run between 1 and 20 proxy tasks');
  const jvmOptions = jvmMemoryEnvironment(alluxioJvmMemory('proxy', proxyMemoryMiB, 's3Endpoint.proxyMemoryMiB'));
  return { port, proxyCpu, proxyMemoryMiB, desiredCount, jvmOptions };
}

/** The URL S3 clients take as their endpoint (path-style: the bucket is the first path segment after it). */
export function s3EndpointUrl(hostname: string, port: number): string {
  return `http://${hostname}:${port}${S3_API_PATH}`;
}

/** The peers that would open the endpoint to every address: the S3 API checks no signature. */
const EVERY_ADDRESS = ['0.0.0.0/0', '::/0'];

/**
 * Refuses a peer that stands for every address (`ec2.Peer.anyIpv4()`, `anyIpv6()`, or the same
 * CIDRs): whoever reaches the port reads and writes every object under the root mount.
 */
export function checkS3ClientPeer(peerUniqueId: string): void {
  if (EVERY_ADDRESS.includes(peerUniqueId)) {
    throw new InputError(
      'allowS3ClientsFrom',
      `${peerUniqueId} would let every address that reaches the VPC read and write every object under the root mount ` +
        `(Alluxio 2.9's S3 API checks no signature)`,
      "name the clients' security group (or the construct that owns it) or their CIDR",
    );
  }
}
