import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { App } from 'aws-cdk-lib';
import { addExampleStack, EXAMPLE_STACKS, ExistingMinioSettings } from '../../bin/example-app';
import { AlluxioOptions, MetricsOptions, PreloadPath, S3EndpointOptions } from '../../lib';
import { createMinioS3Client, MinioConnection } from '../../lib/runtime/s3-client';
import { AlluxioClient, MasterInfo, primaryMasterInfo } from './alluxio-client';
import { DeployResult, LocalDeployment, SandboxAws } from '../cloudformation/deployment';
import { addressesInHostsFile } from '../network/hosts-resolver';
import { LocalEcs } from '../ecs/local-ecs';
import { freePort } from '../network/ports';
import { Template } from '../cloudformation/template';

/*
 * The example app's existing-MinIO stack deployed on this machine: the "team's" key parameters put
 * into SSM first (as a user of an existing MinIO has them), the stack synthesized with the local
 * endpoint, then deployed by LocalDeployment against a local ECS. Used by `npm start` (with the ECS
 * in its own long-running process) and by the real-cluster test suites (with it in-process).
 */

export interface LocalMinio extends MinioConnection {
  readonly bucket: string;
  readonly directory: string;
  /** Create the bucket first when missing (the sandbox's S3 server; never a user's own endpoint). */
  readonly createBucket: boolean;
}

export interface LocalClusterSettings {
  /** Everything the cluster writes: the cloud assembly, the deploy state, tasks, volumes. */
  readonly stateDir: string;
  /** 127.x.y: the master gets <block>.1, workers <block>.10 and up. */
  readonly addressBlock: string;
  /** The Alluxio 2.9.6 jars the sandbox installed. */
  readonly jarsDir: string;
  /** moto. */
  readonly aws: SandboxAws;
  readonly minio: LocalMinio;
  /** Names of the key parameters and the prefix of the ones the construct writes (unique per cluster on a shared moto). */
  readonly parameters: { readonly accessKey: string; readonly secretKey: string; readonly prefix?: string };
  /** Props of the example stack's AlluxioMinio beyond MinIO (tests take fewer workers or a short metadata sync). */
  readonly alluxio?: AlluxioOptions;
  /** The example stack's S3 endpoint (off unless given). */
  readonly s3Endpoint?: S3EndpointOptions;
  /** The example stack's metrics props (the agents' containers are not run here: only Alluxio's). */
  readonly metrics?: MetricsOptions;
  /** The example stack's cache warm-up paths. */
  readonly preload?: PreloadPath[];
  /** The API of a local ECS already running (npm start's agent); absent: one in this process. */
  readonly ecsEndpoint?: string;
  /** Health checks of an in-process local ECS run this often (the template's 15 s is ECS's pace). */
  readonly healthCheckIntervalMs?: number;
  /** How long the deploy waits for a service to be stable (CloudFormation: up to 3 h; the local default 10 min). */
  readonly serviceStableTimeoutMs?: number;
  /**
   * JVM options for every Alluxio process of the cluster and its clients (an in-process local ECS only):
   * a bench's JVM A/B.
   * @default - none
   */
  readonly jvmOptions?: readonly string[];
  readonly log?: (line: string) => void;
}

export class LocalCluster {
  private deploys = 1;

  private constructor(
    readonly settings: LocalClusterSettings,
    /** The template, assembly, deploy flow and result of the last successful deploy. */
    public template: Template,
    public assemblyDir: string,
    public deployment: LocalDeployment,
    public result: DeployResult,
    readonly ecsEndpoint: string,
    /** The in-process local ECS (absent when the cluster runs in npm start's agent). */
    readonly ecs?: LocalEcs,
  ) {}

  /** Synthesizes and deploys; on a failed deploy the in-process ECS is stopped before the error propagates. */
  static async deploy(settings: LocalClusterSettings): Promise<LocalCluster> {
    // Private: the tasks' site files and environments under it hold the MinIO keys (with npm start
    // --endpoint, the user's own).
    mkdirSync(settings.stateDir, { recursive: true, mode: 0o700 });
    chmodSync(settings.stateDir, 0o700);
    await putKeyParameters(settings);
    if (settings.minio.createBucket) await ensureBucket(settings.minio);
    const { template, assemblyDir } = synthesizeExistingStack(settings);
    let ecs: LocalEcs | undefined;
    let ecsEndpoint = settings.ecsEndpoint;
    if (ecsEndpoint && settings.jvmOptions?.length)
      throw new Error('jvmOptions apply to a local ECS in this process; a running one (ecsEndpoint) started its tasks with its own');
    if (!ecsEndpoint) {
      ecs = new LocalEcs({
        stateDir: join(settings.stateDir, 'ecs'),
        jarsDir: settings.jarsDir,
        ssm: ssmClient(settings.aws),
        addressBlock: settings.addressBlock,
        healthCheckIntervalMs: settings.healthCheckIntervalMs ?? 2000,
        onEvent: (message) => settings.log?.(`  ecs: ${message}`),
        jvmOptions: settings.jvmOptions,
      });
      ecsEndpoint = await ecs.listen(await freePort());
    }
    const deployment = LocalCluster.deploymentFor(settings, template, assemblyDir, ecsEndpoint);
    try {
      const result = await deployment.deploy();
      return new LocalCluster(settings, template, assemblyDir, deployment, result, ecsEndpoint, ecs);
    } catch (error) {
      await ecs?.shutdown();
      throw error;
    }
  }

  /**
   * `cdk deploy` again with other Alluxio props (and preload paths, by default the last deploy's): the stack synthesized anew (its own assembly) and
   * deployed as an update of the deployed state. A failed update is rolled back as CloudFormation
   * does and its error thrown; the cluster then still describes the last successful deploy.
   */
  async redeploy(alluxio: AlluxioOptions, preload: PreloadPath[] | undefined = this.settings.preload): Promise<DeployResult> {
    this.deploys += 1;
    const { template, assemblyDir } = synthesizeExistingStack({ ...this.settings, alluxio, preload }, `cdk.out.${this.deploys}`);
    const deployment = this.newDeployment(template, assemblyDir);
    const result = await deployment.deploy();
    const previous = this.deployment;
    Object.assign(this, { template, assemblyDir, deployment, result });
    await previous.close();
    return result;
  }

  private newDeployment(template: Template, assemblyDir: string): LocalDeployment {
    return LocalCluster.deploymentFor(this.settings, template, assemblyDir, this.ecsEndpoint);
  }

  private static deploymentFor(settings: LocalClusterSettings, template: Template, assemblyDir: string, ecsEndpoint: string): LocalDeployment {
    return new LocalDeployment({
      stackName: EXAMPLE_STACKS.existing,
      template,
      assemblyDir,
      ecsEndpoint,
      aws: settings.aws,
      hostsFile: localHostsFile(settings.stateDir),
      statePath: join(settings.stateDir, 'deployed-state.json'),
      serviceStableTimeoutMs: settings.serviceStableTimeoutMs,
      log: settings.log,
    });
  }

  /** The master's address now (what its Cloud Map name resolves to); with a quorum, the first master's. */
  get masterHost(): string {
    return this.masterHosts[0];
  }

  /** Every master's Cloud Map name, in index order: the single master's, or a quorum's (`master-0`, ...). */
  get masterNames(): string[] {
    const names = Object.keys(this.result.cloudMap);
    const quorum = names.filter((name) => /^master-\d+\./.test(name)).sort((a, b) => Number(/^master-(\d+)/.exec(a)![1]) - Number(/^master-(\d+)/.exec(b)![1]));
    const single = names.filter((name) => name.startsWith('master.'));
    const found = quorum.length ? quorum : single;
    if (!found.length) throw new Error('the deployment registered no master name');
    return found;
  }

  /**
   * Every master's address now, in index order: its name resolved through the local ECS's hosts file
   * (a replaced master is at a new address). A name with no running task answers itself, which no
   * request resolves, so a caller's bounded wait sees the master as not answering.
   */
  get masterHosts(): string[] {
    return this.masterNames.map((name) => this.resolve(name));
  }

  /** What a Cloud Map name of the cluster resolves to now (the name itself when no task answers it). */
  resolve(name: string): string {
    return addressesInHostsFile(this.hostsFile, name)[0] ?? name;
  }

  /** The local ECS's hosts file: the cluster's Cloud Map names and their tasks' addresses. */
  get hostsFile(): string {
    return localHostsFile(this.settings.stateDir);
  }

  /** The ECS service name of the master, the workers or the S3 endpoint's proxy. */
  serviceName(role: 'master' | 'worker' | 's3Endpoint'): string {
    const entry = Object.entries(this.result.serviceNames).find(([id]) => id.toLowerCase().includes(`${role.toLowerCase()}service`));
    if (!entry) throw new Error(`no ${role} service in the deployment`);
    return entry[1];
  }

  /** The ECS service names of a quorum's masters, in index order (the ids are <Master><index>Service). */
  get masterServiceNames(): string[] {
    return Object.entries(this.result.serviceNames)
      .map(([id, name]) => ({ index: /Master(\d+)Service/.exec(id)?.[1], name }))
      .filter((entry) => entry.index !== undefined)
      .sort((a, b) => Number(a.index) - Number(b.index))
      .map((entry) => entry.name);
  }

  /** The ECS service names of every master: the quorum's in index order, or the one master's. */
  get allMasterServiceNames(): string[] {
    const quorum = this.masterServiceNames;
    return quorum.length ? quorum : [this.serviceName('master')];
  }

  /** The primary master's MasterInfo (the only master with one). */
  async masterInfo(): Promise<MasterInfo> {
    return (await primaryMasterInfo(this.masterHosts)).info;
  }

  /** A client on this machine, with its own folder under the cluster's state. */
  client(name = 'client'): AlluxioClient {
    // By name, through the hosts file, as an application in the VPC reaches the masters through Cloud Map.
    return new AlluxioClient(
      join(this.settings.stateDir, name),
      this.settings.jarsDir,
      this.masterNames[0],
      this.masterNames,
      this.hostsFile,
      this.settings.jvmOptions,
    );
  }

  /**
   * A rotation as EventBridge starts one (`event`: a Parameter Store Change or the schedule): the
   * start state machine of the template, which names the rotation and starts the rotation state
   * machine, both stepped through from their synthesized definitions with the bundled handlers
   * (LocalDeployment.startExecution; `environment` on top of the functions' own, e.g. a shorter
   * wait). The result is the rotation's; when none was started, `{ outcome: 'deferred' }` (a
   * deployment in progress, as the rotation itself reported it before) or `{ outcome: 'not-started' }`
   * (a name already used).
   */
  async rotate(event: unknown, environment: Record<string, string> = {}): Promise<any> {
    return (await this.rotateWithLog(event, environment)).result;
  }

  /** rotate(), with every invocation's log (the functions' progress lines), for a test that reports them. */
  async rotateWithLog(event: unknown, environment: Record<string, string> = {}): Promise<{ result: any; log: string; started: string[] }> {
    const [startMachine] = Object.entries(this.template.Resources).filter(
      ([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && /RotationStartMachine/.test(id),
    );
    if (!startMachine) throw new Error('the stack has no rotation start state machine');
    const arn = this.deployment.attribute(startMachine[0], 'Arn');
    const run = await this.deployment.startExecution(arn, `event-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, JSON.stringify(event), environment);
    if (run.error) throw new Error(`the rotation state machine failed: ${run.error}\n${run.log.slice(-3000)}`);
    // The naming step asks this deployer's Step Functions front (sfn-front.ts) for a running rotation;
    // a look that failed would let the rotation go on unchecked, so here it fails the run.
    const unchecked = /\{[^\n]*"step":"running-rotation-unknown"[^\n]*\}/.exec(run.log);
    if (unchecked) throw new Error(`the naming step could not list running rotations: ${unchecked[0]}`);
    // ...and a rotation started without the look at all (no state machine ARN or client) would pass unseen.
    if (run.started.length > 1 && !run.log.includes('"step":"running-rotations"'))
      throw new Error('a rotation started without the naming step listing running rotations');
    if (run.started.length > 1) return { result: (run.output as { result?: unknown }).result, log: run.log, started: run.started };
    // Nothing started: deferred by the name step (a deployment in progress), or a name already used.
    const deferred = (run.output as { deferred?: string } | undefined)?.deferred;
    const result =
      deferred !== undefined ? { outcome: 'deferred', reason: deferred, restarted: [] } : { outcome: 'not-started', output: run.output, restarted: [] };
    return { result, log: run.log, started: run.started };
  }

  /** The stack's outputs as the deploy resolved them. */
  get outputs(): Record<string, string> {
    return this.result.outputs;
  }

  /** Stops the deploy flow and the in-process local ECS; `killAtOnce` as LocalEcs.shutdown's. */
  async stop(killAtOnce = false): Promise<void> {
    await this.deployment.close();
    await this.ecs?.shutdown(killAtOnce);
  }
}

/** Where the local ECS of a cluster under `stateDir` keeps its hosts file (in process or npm start's agent: both under <stateDir>/ecs). */
export function localHostsFile(stateDir: string): string {
  return join(stateDir, 'ecs', 'hosts');
}

export function ssmClient(aws: SandboxAws): SSMClient {
  return new SSMClient({ endpoint: aws.endpoint, region: aws.region, credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey } });
}

/** The key pair as the team's own SecureString parameters (what fromParameters expects to find). */
async function putKeyParameters(settings: LocalClusterSettings): Promise<void> {
  const ssm = ssmClient(settings.aws);
  try {
    for (const [name, value] of [
      [settings.parameters.accessKey, settings.minio.accessKeyId],
      [settings.parameters.secretKey, settings.minio.secretAccessKey],
    ]) {
      await ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true }));
    }
  } finally {
    ssm.destroy();
  }
}

async function ensureBucket(minio: LocalMinio): Promise<void> {
  const client = createMinioS3Client(minio);
  try {
    await client.send(new CreateBucketCommand({ Bucket: minio.bucket }));
  } catch (error) {
    if ((error as { name?: string }).name !== 'BucketAlreadyOwnedByYou') throw error;
  } finally {
    client.destroy();
  }
}

/** The example app's existing-MinIO stack, alone, synthesized with the local endpoint, bucket and parameter names. */
export function synthesizeExistingStack(
  settings: Pick<LocalClusterSettings, 'stateDir' | 'minio' | 'parameters' | 'alluxio' | 's3Endpoint' | 'metrics' | 'preload'>,
  assemblyName = 'cdk.out',
): { template: Template; assemblyDir: string } {
  const assemblyDir = join(settings.stateDir, assemblyName);
  const existing: ExistingMinioSettings = {
    endpoint: settings.minio.endpoint,
    bucket: settings.minio.bucket,
    directory: settings.minio.directory,
    accessKeyParameter: settings.parameters.accessKey,
    secretKeyParameter: settings.parameters.secretKey,
    parameterPrefix: settings.parameters.prefix,
    alluxio: settings.alluxio,
    s3Endpoint: settings.s3Endpoint,
    metrics: settings.metrics,
    preload: settings.preload,
  };
  // Only the stack that deploys here: the other three would cost every test cluster their synth.
  const app = new App({ outdir: assemblyDir });
  addExampleStack(app, 'existing', existing);
  const assembly = app.synth();
  return { template: assembly.getStackByName(EXAMPLE_STACKS.existing).template as Template, assemblyDir };
}
