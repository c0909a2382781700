import { createServer, IncomingMessage, Server } from 'node:http';
import { freePort } from '../network/ports';

/** An execution as the local deployer keeps it (local/cloudformation/deployment.ts). */
export interface LocalExecution {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  readonly startDate: number;
}

/**
 * The part of the Step Functions API that the rotation's naming step calls, ListExecutions, answered
 * from the executions the local deployer runs (docs/local-ecs.md): moto keeps executions of its own,
 * which never run here, so it would always answer that none is running. The AWS JSON 1.0 protocol
 * (POST /, X-Amz-Target: AWSStepFunctions.<Operation>) as the SDK sends it; any other operation is
 * refused by name, so a new call fails here instead of passing unanswered.
 */
export class SfnFront {
  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(executions: () => readonly LocalExecution[], knownStateMachine: (arn: string) => boolean): Promise<SfnFront> {
    const server = createServer((request, response) => {
      const answer = (status: number, body: object) => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify(body));
      };
      readBody(request).then(
        (text) => {
          const operation = String(request.headers['x-amz-target'] ?? '').replace(/^AWSStepFunctions\./, '');
          if (operation !== 'ListExecutions')
            return answer(400, {
              __type: 'UnknownOperationException',
              message: `the local Step Functions front serves ListExecutions only, not ${operation || 'this request'}`,
            });
          const input = JSON.parse(text || '{}') as { stateMachineArn?: string; statusFilter?: string; maxResults?: number };
          if (!input.stateMachineArn || !knownStateMachine(input.stateMachineArn)) {
            return answer(400, { __type: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${input.stateMachineArn}'` });
          }
          // Newest first, as Step Functions lists them; maxResults 0 or absent is its default of 100.
          const listed = executions()
            .filter((execution) => execution.stateMachineArn === input.stateMachineArn && (!input.statusFilter || execution.status === input.statusFilter))
            .sort((a, b) => b.startDate - a.startDate)
            .slice(0, input.maxResults || 100)
            .map((execution) => ({
              executionArn: `${execution.stateMachineArn.replace(':stateMachine:', ':execution:')}:${execution.name}`,
              stateMachineArn: execution.stateMachineArn,
              name: execution.name,
              status: execution.status,
              startDate: execution.startDate / 1000,
            }));
          return answer(200, { executions: listed });
        },
        (error) => answer(500, { __type: 'InternalFailure', message: String(error) }),
      );
    });
    const port = await freePort();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    // The deployer that owns it may be dropped without a close (a redeploy makes a new one).
    server.unref();
    return new SfnFront(server, `http://127.0.0.1:${port}`);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}
