import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import type { LocalEcs } from '../../local/ecs/local-ecs';

/*
 * The ECS endpoint a rotation suite hands the rotation function: every call goes to the cluster's
 * local ECS as it is, except for one service the front answers itself when asked to (MinIO's: the
 * local ECS runs only Alluxio's image, so a provisioned MinIO's task is a process the test owns and
 * restarts, as ECS would start a new task with the root pair read from SSM). The front also records
 * every UpdateService with its time, and lets the test act at one (the moment a service is about to
 * be restarted), which is how a suite knows where the rotation is without reading its log.
 */

/** A service the front answers for: its restart is the test's (the new task reads its secrets when it starts). */
export interface FrontService {
  readonly name: string;
  restart(): Promise<void>;
}

export interface EcsFront {
  readonly endpoint: string;
  /** UpdateService calls in order: the service and when it was asked (epoch ms). */
  readonly updates: Array<{ readonly service: string; readonly at: number }>;
  close(): Promise<void>;
}

export interface EcsFrontOptions {
  /** Called before an UpdateService is carried out, with the calls so far (this one last). */
  readonly beforeUpdate?: (service: string, updates: EcsFront['updates']) => Promise<void> | void;
  readonly ownService?: FrontService;
}

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113.';

export async function startEcsFront(ecs: LocalEcs, options: EcsFrontOptions = {}): Promise<EcsFront> {
  const updates: Array<{ service: string; at: number }> = [];
  const own = options.ownService;
  let restarting: Promise<void> | undefined;
  let restartError: unknown;
  const ownDescription = () => ({
    serviceName: own!.name,
    serviceArn: own!.name,
    taskDefinition: `${own!.name}:1`,
    desiredCount: 1,
    runningCount: restarting ? 0 : 1,
    deployments: [
      {
        status: 'PRIMARY',
        rolloutState: restarting ? 'IN_PROGRESS' : restartError ? 'FAILED' : 'COMPLETED',
        rolloutStateReason: restartError ? String(restartError) : undefined,
      },
    ],
  });
  const call = async (operation: string, input: Record<string, any>): Promise<unknown> => {
    if (operation === 'UpdateService') {
      const service = String(input.service);
      updates.push({ service, at: Date.now() });
      await options.beforeUpdate?.(service, updates);
      if (own && service === own.name) {
        restartError = undefined;
        restarting = own
          .restart()
          .catch((error) => {
            restartError = error;
          })
          .finally(() => {
            restarting = undefined;
          });
        return { service: ownDescription() };
      }
    }
    if (operation === 'DescribeServices' && own && (input.services as string[]).includes(own.name)) {
      const others = (input.services as string[]).filter((name) => name !== own.name);
      const answer = (others.length ? ecs.call(operation, { ...input, services: others }) : { services: [], failures: [] }) as { services: unknown[] };
      return { ...answer, services: [...answer.services, ownDescription()] };
    }
    return ecs.call(operation, input);
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = String(request.headers['x-amz-target'] ?? '').replace(TARGET_PREFIX, '');
      void (async () => {
        let status = 200;
        let body: unknown;
        try {
          body = await call(operation, chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {});
        } catch (error) {
          // The local ECS's errors carry ECS's __type; anything else is a server fault.
          const type = (error as { type?: string }).type ?? 'ServerException';
          status = type === 'ServerException' ? 500 : 400;
          body = { __type: type, message: error instanceof Error ? error.message : String(error) };
          response.setHeader('x-amzn-errortype', type);
        }
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    updates,
    close: async () => {
      await restarting;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
