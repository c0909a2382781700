import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for an Alluxio 2.9 master's web port: GET /api/v1/master/info answers with the
 * JSON Jackson makes of alluxio.wire.AlluxioMasterInfo (AlluxioMasterRestServiceHandler, path
 * "master" + "info" under /api/v1). Its `mountPoints` maps an Alluxio path to alluxio.wire.MountPointInfo
 * ({ufsUri, ufsType, ufsCapacityBytes, ufsUsedBytes, readOnly, properties, shared}); the root mount is
 * the "/" entry. Values other than the root mount are plausible placeholders.
 */
export interface FakeAlluxioMaster {
  /** `127.0.0.1:<port>`, as the checks take `--alluxio-master`. */
  readonly address: string;
  /** Requests seen, by path, so a test can prove the check asked. */
  readonly requests: string[];
  close(): Promise<void>;
}

export interface FakeAlluxioMasterOptions {
  /** The root mount's ufsUri. */
  readonly rootUfsUri: string;
  /** Answer every request with this status and a non-MasterInfo body instead. */
  readonly failWithStatus?: number;
  /** Listen on this port (e.g. one a check already found closed); default: any free port. */
  readonly port?: number;
}

export function masterInfoDocument(rootUfsUri: string): Record<string, unknown> {
  const now = Date.now();
  return {
    capacity: { total: 1073741824, used: 0 },
    configuration: { 'alluxio.master.mount.table.root.ufs': rootUfsUri },
    metrics: {},
    mountPoints: {
      '/': {
        ufsUri: rootUfsUri,
        ufsType: 's3',
        ufsCapacityBytes: -1,
        ufsUsedBytes: -1,
        readOnly: false,
        properties: {},
        shared: false,
      },
    },
    rpcAddress: 'localhost/127.0.0.1:19998',
    startTimeMs: now - 60000,
    startupConsistencyCheck: { inconsistentUris: [], status: 'COMPLETE' },
    tierCapacity: { MEM: { total: 1073741824, used: 0 } },
    ufsCapacity: { total: -1, used: -1 },
    uptimeMs: 60000,
    version: '2.9.3',
    workers: [],
  };
}

export async function startFakeAlluxioMaster(options: FakeAlluxioMasterOptions): Promise<FakeAlluxioMaster> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    requests.push(request.url ?? '');
    if (options.failWithStatus !== undefined) {
      response.writeHead(options.failWithStatus, { 'content-type': 'text/plain' });
      response.end('unavailable');
      return;
    }
    if (request.method === 'GET' && request.url?.split('?')[0] === '/api/v1/master/info') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(masterInfoDocument(options.rootUfsUri)));
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
