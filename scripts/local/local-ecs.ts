import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  createContainerFilesystem,
  localizeImagePaths,
  localNetworkJavaOptions,
  mountVolume,
  OFFICIAL_IMAGE_REPOSITORY,
} from './alluxio-image';

/*
 * A stand-in for the part of Amazon ECS the construct relies on, running each task as a local process
 * group: task definitions, services with rolling deployments (minimum healthy / maximum percent), the
 * container health check, the deployment circuit breaker with rollback, and secrets from SSM read when
 * a task starts. It answers the ECS API (JSON 1.1) for the calls the deploy flow and the rotation
 * function make, so the SDK's ECS client talks to it unchanged.
 *
 * What differs from ECS, on purpose: every task gets its own address in 127.0.0.0/8 (awsvpc's stand-in)
 * and a fresh copy of the stand-in image as its filesystem; health-check timings can be shortened
 * (`healthCheckIntervalMs`); a service registered under a Cloud Map name with one task keeps one
 * address across task replacements (the name's stand-in, since there is no DNS here).
 */

export interface LocalEcsOptions {
  /** Tasks' filesystems, logs and the persistent volumes live here. */
  readonly stateDir: string;
  /** The Alluxio jars (opt/alluxio/lib of every container). */
  readonly jarsDir: string;
  /** Where secrets are read from when a task starts (moto's SSM here). */
  readonly ssm: SSMClient;
  /** Three octets of 127.x.y: task addresses are <block>.1 to <block>.254. */
  readonly addressBlock: string;
  /** The account and region in the ARNs it makes. */
  readonly region?: string;
  readonly accountId?: string;
  /** Run health checks this often instead of the task definition's interval (ECS: 5 to 300 s). */
  readonly healthCheckIntervalMs?: number;
  /** Let a task start this long instead of the task definition's startPeriod before failed checks count. */
  readonly healthCheckStartPeriodMs?: number;
  /** How long a stopping task gets between SIGTERM and SIGKILL (ECS's stopTimeout, default 30 s). */
  readonly stopTimeoutMs?: number;
  /** Every scheduler decision, for a log. */
  readonly onEvent?: (message: string) => void;
}

interface ContainerDefinition {
  readonly name: string;
  readonly image: string;
  readonly essential?: boolean;
  readonly entryPoint?: string[];
  readonly command?: string[];
  readonly environment?: Array<{ name: string; value: string }>;
  readonly secrets?: Array<{ name: string; valueFrom: string }>;
  readonly mountPoints?: Array<{ sourceVolume: string; containerPath: string }>;
  readonly healthCheck?: { command: string[]; interval?: number; timeout?: number; retries?: number; startPeriod?: number };
  readonly [other: string]: unknown;
}

interface TaskDefinition {
  readonly taskDefinitionArn: string;
  readonly family: string;
  readonly revision: number;
  readonly containerDefinitions: ContainerDefinition[];
  readonly volumes: TaskVolume[];
  readonly status: 'ACTIVE';
}

/**
 * A task definition's volume; an EFS one is shared by every task that names its file system and access
 * point, a host one is a directory of the task's host.
 */
interface TaskVolume {
  readonly name: string;
  readonly efsVolumeConfiguration?: { fileSystemId: string; authorizationConfig?: { accessPointId?: string } };
  readonly host?: { sourcePath?: string };
}

type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

interface Deployment {
  readonly id: string;
  status: 'PRIMARY' | 'ACTIVE';
  readonly taskDefinition: string;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  failedTasks: number;
  readonly createdAt: number;
}

interface Task {
  readonly taskArn: string;
  readonly id: string;
  readonly deploymentId: string;
  readonly taskDefinitionArn: string;
  readonly address: string;
  readonly logFile: string;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPING' | 'STOPPED';
  healthStatus: 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';
  process?: ChildProcess;
  readonly startedAt: number;
  stoppedReason?: string;
  exitCode?: number | null;
  failedChecks: number;
  checkTimer?: NodeJS.Timeout;
  checkRunning: boolean;
  /** RunTask's (and so an EventBridge ECS target's) containerOverrides environment, over the definition's. */
  readonly environmentOverrides?: Record<string, string>;
}

interface Service {
  readonly serviceArn: string;
  readonly serviceName: string;
  readonly clusterArn: string;
  desiredCount: number;
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
  readonly circuitBreaker: { enable: boolean; rollback: boolean };
  /** A Cloud Map name's stand-in: every task of this service gets this address. */
  readonly stableAddress?: string;
  deployments: Deployment[];
  tasks: Task[];
  events: Array<{ id: string; createdAt: number; message: string }>;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  /** The group of RunTask's tasks: no scheduler, no desired count. */
  readonly standalone?: boolean;
}

/** The name under which tasks started by RunTask are listed (tasksOf) and grouped. */
export const STANDALONE_TASKS = 'standalone-tasks';

/** An error the ECS API answers with `__type` (the SDK raises it by that name). */
class EcsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const SCHEDULER_TICK_MS = 250;
/** Tag key on CreateService that gives a service a fixed address (the deploy flow sets it for Cloud Map names). */
export const STABLE_ADDRESS_TAG = 'local:address';

export class LocalEcs {
  private readonly taskDefinitions = new Map<string, TaskDefinition>();
  private readonly revisions = new Map<string, number>();
  private readonly services = new Map<string, Service>();
  private readonly usedAddresses = new Set<string>();
  private readonly region: string;
  private readonly accountId: string;
  private scheduler?: NodeJS.Timeout;
  private server?: Server;
  private stopping = false;

  constructor(private readonly options: LocalEcsOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
    mkdirSync(options.stateDir, { recursive: true });
    this.scheduler = setInterval(() => this.reconcileAll(), SCHEDULER_TICK_MS);
  }

  // --- the ECS API over HTTP --------------------------------------------------------------------

  /** Serves the ECS API on 127.0.0.1:`port`; returns the endpoint URL. */
  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    return `http://${host}:${address.port}`;
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.replace(/^AmazonEC2ContainerServiceV20141113\./, '');
    let status = 200;
    let body: unknown;
    try {
      const input = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      body = this.call(operation, input);
    } catch (error) {
      const e = error instanceof EcsError ? error : new EcsError('ServerException', error instanceof Error ? error.message : String(error));
      status = e.type === 'ServerException' ? 500 : 400;
      body = { __type: e.type, message: e.message };
      response.setHeader('x-amzn-errortype', e.type);
    }
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  }

  /** One ECS API call by its operation name; throws EcsError as ECS would answer. */
  call(operation: string, input: Record<string, any>): unknown {
    switch (operation) {
      case 'RegisterTaskDefinition':
        return { taskDefinition: this.registerTaskDefinition(input) };
      case 'DescribeTaskDefinition':
        return { taskDefinition: this.taskDefinition(input.taskDefinition) };
      case 'CreateService':
        return { service: this.describe(this.createService(input)) };
      case 'UpdateService':
        return { service: this.describe(this.updateService(input)) };
      case 'DescribeServices':
        return this.describeServices(input.services ?? []);
      case 'DeleteService':
        return { service: this.describe(this.deleteService(input.service)) };
      case 'ListTasks':
        return { taskArns: this.service(input.serviceName).tasks.filter((t) => t.lastStatus !== 'STOPPED').map((t) => t.taskArn) };
      case 'DescribeTasks':
        return { tasks: (input.tasks as string[]).map((arn) => this.describeTask(this.findTask(arn))), failures: [] };
      case 'RunTask':
        return { tasks: [this.describeTask(this.runTask(input))], failures: [] };
      case 'StopTask':
        return { task: this.describeTask(this.stopTaskByArn(input.task, input.reason ?? 'Task stopped by user')) };
      default:
        throw new EcsError('InvalidParameterException', `the local ECS does not implement ${operation || 'this request'}`);
    }
  }

  // --- task definitions and services ------------------------------------------------------------

  private registerTaskDefinition(input: Record<string, any>): TaskDefinition {
    const family = String(input.family ?? '');
    if (!family) throw new EcsError('ClientException', 'family is required');
    const containers = (input.containerDefinitions ?? []) as ContainerDefinition[];
    // Only the first container has a stand-in here. A sidecar the task may lose (essential: false, such as
    // the metrics agent) is registered, so DescribeTaskDefinition shows it, but not run; an essential one
    // would make a task this local ECS cannot honestly run.
    const sidecars = containers.slice(1);
    if (containers.length === 0 || containers[0].essential === false || sidecars.some((c) => c.essential !== false)) {
      throw new EcsError('ClientException', `the local ECS runs tasks of one essential container (and non-essential sidecars it does not start); ${family} has ${containers.length}`);
    }
    const revision = (this.revisions.get(family) ?? 0) + 1;
    this.revisions.set(family, revision);
    const definition: TaskDefinition = {
      taskDefinitionArn: `arn:aws:ecs:${this.region}:${this.accountId}:task-definition/${family}:${revision}`,
      family,
      revision,
      containerDefinitions: containers,
      volumes: input.volumes ?? [],
      status: 'ACTIVE',
    };
    this.taskDefinitions.set(definition.taskDefinitionArn, definition);
    return definition;
  }

  private taskDefinition(reference: string): TaskDefinition {
    const byArn = this.taskDefinitions.get(reference);
    if (byArn) return byArn;
    const [family, revision] = reference.replace(/^arn:.*:task-definition\//, '').split(':');
    const wanted = revision ? Number(revision) : this.revisions.get(family);
    const found = [...this.taskDefinitions.values()].find((d) => d.family === family && d.revision === wanted);
    if (!found) throw new EcsError('ClientException', `Unable to describe task definition ${reference}`);
    return found;
  }

  private createService(input: Record<string, any>): Service {
    const serviceName = String(input.serviceName ?? '');
    if (this.services.has(serviceName)) throw new EcsError('InvalidParameterException', `Creation of service was not idempotent: ${serviceName} exists`);
    const definition = this.taskDefinition(input.taskDefinition);
    const configuration = input.deploymentConfiguration ?? {};
    const stableAddress = (input.tags as Array<{ key: string; value: string }> | undefined)?.find((t) => t.key === STABLE_ADDRESS_TAG)?.value;
    if (stableAddress !== undefined) this.reserveAddress(stableAddress);
    const service: Service = {
      serviceArn: `arn:aws:ecs:${this.region}:${this.accountId}:service/${input.cluster ?? 'default'}/${serviceName}`,
      serviceName,
      clusterArn: `arn:aws:ecs:${this.region}:${this.accountId}:cluster/${input.cluster ?? 'default'}`,
      desiredCount: Number(input.desiredCount ?? 1),
      minimumHealthyPercent: Number(configuration.minimumHealthyPercent ?? 100),
      maximumPercent: Number(configuration.maximumPercent ?? 200),
      circuitBreaker: { enable: Boolean(configuration.deploymentCircuitBreaker?.enable), rollback: Boolean(configuration.deploymentCircuitBreaker?.rollback) },
      stableAddress,
      deployments: [this.newDeployment(definition.taskDefinitionArn)],
      tasks: [],
      events: [],
      status: 'ACTIVE',
    };
    this.services.set(serviceName, service);
    this.event(service, `service ${serviceName} created with ${definition.family}:${definition.revision}`);
    return service;
  }

  /** ECS's RunTask: one task of a task definition outside any service, with an address of its own. */
  private runTask(input: Record<string, any>): Task {
    if (Number(input.count ?? 1) !== 1) throw new EcsError('InvalidParameterException', 'the local ECS runs one task per RunTask call');
    const definition = this.taskDefinition(input.taskDefinition);
    let group = this.services.get(STANDALONE_TASKS);
    if (!group) {
      group = {
        serviceArn: `arn:aws:ecs:${this.region}:${this.accountId}:service/${input.cluster ?? 'default'}/standalone`,
        serviceName: STANDALONE_TASKS,
        clusterArn: `arn:aws:ecs:${this.region}:${this.accountId}:cluster/${input.cluster ?? 'default'}`,
        desiredCount: 0,
        minimumHealthyPercent: 0,
        maximumPercent: 100,
        circuitBreaker: { enable: false, rollback: false },
        deployments: [],
        tasks: [],
        events: [],
        status: 'ACTIVE',
        standalone: true,
      };
      this.services.set(STANDALONE_TASKS, group);
    }
    const deployment = this.newDeployment(definition.taskDefinitionArn);
    group.deployments.push(deployment);
    const overrides = (input.overrides?.containerOverrides ?? []) as Array<{ name?: string; environment?: Array<{ name: string; value: string }> }>;
    const container = definition.containerDefinitions[0].name;
    const unknown = overrides.find((o) => o.name !== container);
    if (unknown) throw new EcsError('InvalidParameterException', `Override for container named ${unknown.name} is not a container in the TaskDefinition.`);
    const environment = Object.fromEntries(overrides.flatMap((o) => o.environment ?? []).map((e) => [e.name, e.value]));
    return this.startTask(group, deployment, Object.keys(environment).length ? environment : undefined);
  }

  private updateService(input: Record<string, any>): Service {
    const service = this.service(input.service);
    if (input.desiredCount !== undefined) service.desiredCount = Number(input.desiredCount);
    const current = service.deployments[0];
    const taskDefinition = input.taskDefinition ? this.taskDefinition(input.taskDefinition).taskDefinitionArn : current.taskDefinition;
    if (input.forceNewDeployment || taskDefinition !== current.taskDefinition) {
      this.startDeployment(service, taskDefinition, input.forceNewDeployment ? 'forced new deployment' : 'new task definition');
    }
    return service;
  }

  private deleteService(reference: string): Service {
    const service = this.service(reference);
    service.desiredCount = 0;
    service.status = 'DRAINING';
    for (const task of service.tasks) this.stopTask(service, task, 'Service deleted');
    return service;
  }

  private newDeployment(taskDefinition: string): Deployment {
    return {
      id: `ecs-svc/${randomUUID().replace(/-/g, '').slice(0, 19)}`,
      status: 'PRIMARY',
      taskDefinition,
      rolloutState: 'IN_PROGRESS',
      rolloutStateReason: 'ECS deployment in progress.',
      failedTasks: 0,
      createdAt: Date.now(),
    };
  }

  private startDeployment(service: Service, taskDefinition: string, why: string): void {
    for (const deployment of service.deployments) deployment.status = 'ACTIVE';
    service.deployments.unshift(this.newDeployment(taskDefinition));
    this.event(service, `service ${service.serviceName} started a deployment (${why})`);
  }

  // --- the scheduler ------------------------------------------------------------------------------

  private reconcileAll(): void {
    if (this.stopping) return;
    for (const service of this.services.values()) {
      try {
        this.reconcile(service);
      } catch (error) {
        this.event(service, `scheduler error: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  /**
   * One step of ECS's rolling update: start primary tasks up to the desired count within the maximum
   * percent, stop old-deployment tasks while the healthy count stays at or above the minimum, mark the
   * deployment COMPLETED when only healthy primary tasks remain, and trip the circuit breaker.
   */
  private reconcile(service: Service): void {
    if (service.status !== 'ACTIVE' || service.standalone) return;
    const primary = service.deployments[0];
    const live = service.tasks.filter((t) => t.lastStatus !== 'STOPPED');
    const primaryLive = live.filter((t) => t.deploymentId === primary.id);
    const oldLive = live.filter((t) => t.deploymentId !== primary.id && t.lastStatus !== 'STOPPING');
    const healthy = live.filter((t) => t.lastStatus === 'RUNNING' && t.healthStatus === 'HEALTHY');
    const minimumHealthy = Math.ceil((service.desiredCount * service.minimumHealthyPercent) / 100);
    const maximum = Math.floor((service.desiredCount * service.maximumPercent) / 100);

    // Old tasks go while enough healthy ones remain (a stable address must be free before a new task takes it).
    for (const task of oldLive) {
      const healthyWithout = healthy.filter((t) => t !== task).length;
      if (healthyWithout >= minimumHealthy) {
        this.stopTask(service, task, `replaced by deployment ${primary.id}`);
        healthy.splice(healthy.indexOf(task), 1);
      }
    }
    const stillLive = service.tasks.filter((t) => t.lastStatus !== 'STOPPED');
    if (primary.rolloutState !== 'FAILED' && primaryLive.length < service.desiredCount && stillLive.length < Math.max(maximum, 1)) {
      if (service.stableAddress === undefined || !stillLive.some((t) => t.address === service.stableAddress)) {
        this.startTask(service, primary);
      }
    }
    // Extra primary tasks (a lower desired count) stop, newest first.
    for (const task of primaryLive.slice(service.desiredCount).reverse()) this.stopTask(service, task, 'scaled down');

    const primaryHealthy = service.tasks.filter((t) => t.deploymentId === primary.id && t.lastStatus === 'RUNNING' && t.healthStatus === 'HEALTHY');
    const oldRemaining = service.tasks.some((t) => t.deploymentId !== primary.id && t.lastStatus !== 'STOPPED');
    if (primary.rolloutState === 'IN_PROGRESS' && primaryHealthy.length >= service.desiredCount && !oldRemaining) {
      primary.rolloutState = 'COMPLETED';
      primary.rolloutStateReason = 'ECS deployment completed.';
      service.deployments = [primary];
      this.event(service, `service ${service.serviceName} has reached a steady state`);
    }
  }

  /** ECS's circuit-breaker threshold: half the desired count, at least 3, at most 200. */
  private failureThreshold(service: Service): number {
    return Math.min(200, Math.max(3, Math.ceil(service.desiredCount / 2)));
  }

  private taskFailed(service: Service, task: Task): void {
    const deployment = service.deployments.find((d) => d.id === task.deploymentId);
    if (!deployment || deployment.status !== 'PRIMARY' || deployment.rolloutState !== 'IN_PROGRESS') return;
    deployment.failedTasks += 1;
    if (!service.circuitBreaker.enable || deployment.failedTasks < this.failureThreshold(service)) return;
    deployment.rolloutState = 'FAILED';
    deployment.rolloutStateReason = `ECS deployment circuit breaker: tasks failed to start (${deployment.failedTasks} failed: ${task.stoppedReason}).`;
    this.event(service, `service ${service.serviceName}: ${deployment.rolloutStateReason}`);
    const lastGood = service.deployments.find((d) => d !== deployment && d.rolloutState === 'COMPLETED');
    if (service.circuitBreaker.rollback && lastGood) {
      this.startDeployment(service, lastGood.taskDefinition, `rolling back to ${lastGood.taskDefinition.replace(/^.*\//, '')}`);
      // The failed deployment's state stays visible (as ECS keeps it in the service's events).
      service.deployments = service.deployments.filter((d) => d !== lastGood);
    }
  }

  // --- tasks --------------------------------------------------------------------------------------

  private reserveAddress(address: string): void {
    if (!address.startsWith(`${this.options.addressBlock}.`)) {
      throw new EcsError('InvalidParameterException', `address ${address} is outside this local ECS's block ${this.options.addressBlock}.0/24`);
    }
    this.usedAddresses.add(address);
  }

  /**
   * Task addresses run from <block>.10 to .254 (.1 to .9 are the deploy flow's fixed addresses for
   * Cloud Map names), handed out round-robin: a replacement task gets a new address, as a new ECS task
   * gets a new network interface, so the master sees a new worker rather than the old one back.
   */
  private nextAddress(): string {
    for (let tried = 0; tried < 245; tried++) {
      this.lastHost = this.lastHost >= 254 ? 10 : this.lastHost + 1;
      const address = `${this.options.addressBlock}.${this.lastHost}`;
      if (!this.usedAddresses.has(address)) {
        this.usedAddresses.add(address);
        return address;
      }
    }
    throw new EcsError('ServerException', `no free address left in ${this.options.addressBlock}.0/24`);
  }

  private lastHost = 9;

  private startTask(service: Service, deployment: Deployment, environmentOverrides?: Record<string, string>): Task {
    const definition = this.taskDefinition(deployment.taskDefinition);
    const id = randomUUID().replace(/-/g, '');
    const address = service.stableAddress ?? this.nextAddress();
    const taskDir = join(this.options.stateDir, 'tasks', `${service.serviceName}-${id.slice(0, 8)}`);
    const task: Task = {
      taskArn: `arn:aws:ecs:${this.region}:${this.accountId}:task/${service.serviceName}/${id}`,
      id,
      deploymentId: deployment.id,
      taskDefinitionArn: definition.taskDefinitionArn,
      address,
      logFile: join(taskDir, 'container.log'),
      lastStatus: 'PENDING',
      healthStatus: 'UNKNOWN',
      startedAt: Date.now(),
      failedChecks: 0,
      checkRunning: false,
      environmentOverrides,
    };
    service.tasks.push(task);
    this.event(service, `service ${service.serviceName} started task ${id.slice(0, 8)} at ${address} (${definition.family}:${definition.revision})`);
    void this.launch(service, task, definition, taskDir).catch((error: unknown) => {
      task.stoppedReason = `ResourceInitializationError: ${error instanceof Error ? error.message : String(error)}`;
      this.markStopped(service, task, null);
    });
    return task;
  }

  private async launch(service: Service, task: Task, definition: TaskDefinition, taskDir: string): Promise<void> {
    const container = definition.containerDefinitions[0];
    if (!container.image.startsWith(`${OFFICIAL_IMAGE_REPOSITORY}:`)) {
      throw new Error(`the local ECS has a stand-in only for ${OFFICIAL_IMAGE_REPOSITORY}, not ${container.image}`);
    }
    // Secrets are read when the task starts, as ECS does (a later change reaches only new tasks).
    const secrets: Record<string, string> = {};
    for (const secret of container.secrets ?? []) {
      const name = secret.valueFrom.replace(/^arn:[^:]+:ssm:[^:]*:[^:]*:parameter/, '');
      const output = await this.options.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      secrets[secret.name] = output.Parameter?.Value ?? '';
    }
    if (task.lastStatus !== 'PENDING') return;
    const filesystem = createContainerFilesystem(join(taskDir, 'root'), this.options.jarsDir, task.address);
    for (const mount of container.mountPoints ?? []) {
      mountVolume(filesystem, mount.containerPath, this.volumeDir(service, definition, mount.sourceVolume, task));
    }
    const environment: Record<string, string> = Object.fromEntries((container.environment ?? []).map((e) => [e.name, e.value]));
    const env: Record<string, string> = {
      PATH: `${filesystem.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
      HOME: filesystem.root,
      // No instance metadata here; the AWS SDK inside Alluxio must not wait for it.
      AWS_EC2_METADATA_DISABLED: 'true',
      ...environment,
      ...task.environmentOverrides,
      ...secrets,
    };
    env.ALLUXIO_JAVA_OPTS = [environment.ALLUXIO_JAVA_OPTS, localNetworkJavaOptions(task.address)].filter(Boolean).join(' ');
    const [program, ...programArgs] = [...(container.entryPoint ?? []), ...(container.command ?? []).map((part) => localizeImagePaths(part, filesystem.root))];
    const log = openSync(task.logFile, 'a');
    try {
      task.process = spawn(program, programArgs, { cwd: filesystem.root, env, detached: true, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    writeFileSync(join(taskDir, 'pid'), String(task.process.pid));
    task.lastStatus = 'RUNNING';
    task.process.once('exit', (code) => this.markStopped(service, task, code));
    this.scheduleHealthChecks(service, task, container);
  }

  /**
   * Where a mounted volume lives: an EFS volume by its file system and access point, so every task
   * that mounts it (another service's, RunTask's) sees the same files, as on EFS; a host volume on the
   * task's own host (here every task is a host of its own, at its own address: two tasks never share
   * one, as with one task per EC2 host); any other volume per service.
   */
  private volumeDir(service: Service, definition: TaskDefinition, volumeName: string, task: Task): string {
    const volume = definition.volumes.find((v) => v.name === volumeName);
    const efs = volume?.efsVolumeConfiguration;
    const name = efs
      ? `efs-${efs.fileSystemId}-${efs.authorizationConfig?.accessPointId ?? 'root'}`
      : volume?.host
        ? `host-${task.address}-${volume.host.sourcePath ?? volumeName}`
        : `${service.serviceName}-${volumeName}`;
    return join(this.options.stateDir, 'volumes', name.replace(/[^A-Za-z0-9._-]/g, '_'));
  }

  private scheduleHealthChecks(service: Service, task: Task, container: ContainerDefinition): void {
    const check = container.healthCheck;
    if (!check) {
      task.healthStatus = 'HEALTHY';
      return;
    }
    const intervalMs = this.options.healthCheckIntervalMs ?? (check.interval ?? 30) * 1000;
    const timeoutMs = (check.timeout ?? 5) * 1000;
    const startPeriodMs = this.options.healthCheckStartPeriodMs ?? (check.startPeriod ?? 0) * 1000;
    const retries = check.retries ?? 3;
    const [kind, ...rest] = check.command;
    // CMD-SHELL runs in the container, where 127.0.0.1 is the task itself: here, the task's address.
    const command = (kind === 'CMD-SHELL' ? rest.join(' ') : rest.join(' ')).split('127.0.0.1').join(task.address);
    task.checkTimer = setInterval(() => {
      if (task.lastStatus !== 'RUNNING' || task.checkRunning) return;
      task.checkRunning = true;
      const probe = spawn('/bin/sh', ['-c', command], { stdio: 'ignore', timeout: timeoutMs });
      probe.once('exit', (code) => {
        task.checkRunning = false;
        if (task.lastStatus !== 'RUNNING') return;
        if (code === 0) {
          task.failedChecks = 0;
          task.healthStatus = 'HEALTHY';
          return;
        }
        if (Date.now() - task.startedAt < startPeriodMs && task.healthStatus !== 'HEALTHY') return;
        task.failedChecks += 1;
        if (task.failedChecks >= retries) {
          task.healthStatus = 'UNHEALTHY';
          this.stopTask(service, task, 'Task failed container health checks');
        }
      });
    }, intervalMs);
  }

  private stopTask(service: Service, task: Task, reason: string): Task {
    if (task.lastStatus === 'STOPPED' || task.lastStatus === 'STOPPING') return task;
    task.stoppedReason = reason;
    task.lastStatus = 'STOPPING';
    this.event(service, `service ${service.serviceName} stopping task ${task.id.slice(0, 8)}: ${reason}`);
    const pid = task.process?.pid;
    if (pid === undefined || task.process?.exitCode !== null) {
      this.markStopped(service, task, task.process?.exitCode ?? null);
      return task;
    }
    signalGroup(pid, 'SIGTERM');
    const killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), this.options.stopTimeoutMs ?? 30_000);
    task.process.once('exit', () => clearTimeout(killTimer));
    return task;
  }

  private markStopped(service: Service, task: Task, exitCode: number | null): void {
    if (task.lastStatus === 'STOPPED') return;
    const expected = task.lastStatus === 'STOPPING';
    task.lastStatus = 'STOPPED';
    task.exitCode = exitCode;
    if (task.checkTimer) clearInterval(task.checkTimer);
    // The group's other processes (the entrypoint's children) go with the essential container.
    if (task.process?.pid !== undefined) signalGroup(task.process.pid, 'SIGKILL');
    if (!service.stableAddress) this.usedAddresses.delete(task.address);
    if (!expected) {
      task.stoppedReason ??= `Essential container in task exited (exit code ${exitCode})`;
      this.event(service, `service ${service.serviceName} task ${task.id.slice(0, 8)} stopped: ${task.stoppedReason}`);
      this.taskFailed(service, task);
    }
  }

  // --- views --------------------------------------------------------------------------------------

  private service(reference: string): Service {
    const name = String(reference ?? '').replace(/^arn:.*:service\/[^/]+\//, '');
    const service = this.services.get(name);
    if (!service || service.status === 'INACTIVE') throw new EcsError('ServiceNotFoundException', `Service not found: ${reference}`);
    return service;
  }

  private findTask(reference: string): Task {
    for (const service of this.services.values()) {
      const task = service.tasks.find((t) => t.taskArn === reference || t.id === reference);
      if (task) return task;
    }
    throw new EcsError('InvalidParameterException', `task ${reference} not found`);
  }

  private stopTaskByArn(reference: string, reason: string): Task {
    const task = this.findTask(reference);
    const service = [...this.services.values()].find((s) => s.tasks.includes(task))!;
    return this.stopTask(service, task, reason);
  }

  private describeServices(references: string[]): unknown {
    const services: unknown[] = [];
    const failures: unknown[] = [];
    for (const reference of references) {
      try {
        services.push(this.describe(this.service(reference)));
      } catch {
        failures.push({ arn: reference, reason: 'MISSING' });
      }
    }
    return { services, failures };
  }

  private describe(service: Service): Record<string, unknown> {
    const count = (deploymentId: string | undefined, status: Task['lastStatus']) =>
      service.tasks.filter((t) => (deploymentId === undefined || t.deploymentId === deploymentId) && t.lastStatus === status).length;
    return {
      serviceArn: service.serviceArn,
      serviceName: service.serviceName,
      clusterArn: service.clusterArn,
      status: service.status,
      desiredCount: service.desiredCount,
      runningCount: count(undefined, 'RUNNING'),
      pendingCount: count(undefined, 'PENDING'),
      taskDefinition: service.deployments[0].taskDefinition,
      deploymentConfiguration: {
        minimumHealthyPercent: service.minimumHealthyPercent,
        maximumPercent: service.maximumPercent,
        deploymentCircuitBreaker: service.circuitBreaker,
      },
      deployments: service.deployments.map((d) => ({
        id: d.id,
        status: d.status,
        taskDefinition: d.taskDefinition,
        desiredCount: d.status === 'PRIMARY' ? service.desiredCount : 0,
        runningCount: count(d.id, 'RUNNING'),
        pendingCount: count(d.id, 'PENDING'),
        failedTasks: d.failedTasks,
        rolloutState: d.rolloutState,
        rolloutStateReason: d.rolloutStateReason,
        createdAt: d.createdAt / 1000,
      })),
      events: service.events.slice(-100).reverse(),
    };
  }

  private describeTask(task: Task): Record<string, unknown> {
    return {
      taskArn: task.taskArn,
      taskDefinitionArn: task.taskDefinitionArn,
      lastStatus: task.lastStatus,
      desiredStatus: task.lastStatus === 'RUNNING' || task.lastStatus === 'PENDING' ? 'RUNNING' : 'STOPPED',
      healthStatus: task.healthStatus,
      startedAt: task.startedAt / 1000,
      stoppedReason: task.stoppedReason,
      containers: [{ name: 'main', exitCode: task.exitCode ?? undefined, networkInterfaces: [{ privateIpv4Address: task.address }] }],
    };
  }

  private event(service: Service, message: string): void {
    service.events.push({ id: randomUUID(), createdAt: Date.now() / 1000, message });
    this.options.onEvent?.(message);
  }

  // --- for the deploy flow and the tests ----------------------------------------------------------

  /**
   * The live tasks of a service (with `includeStopped`, the stopped ones too, with their exit codes):
   * address, health, pid and log, for checks and fault injection.
   */
  tasksOf(
    serviceName: string,
    includeStopped = false,
  ): Array<{ id: string; taskArn: string; address: string; health: string; status: string; pid?: number; logFile: string; taskDefinition: string; exitCode?: number | null }> {
    return this.service(serviceName)
      .tasks.filter((t) => includeStopped || t.lastStatus !== 'STOPPED')
      .map((t) => ({
        id: t.id,
        taskArn: t.taskArn,
        address: t.address,
        health: t.healthStatus,
        status: t.lastStatus,
        pid: t.process?.pid,
        logFile: t.logFile,
        taskDefinition: t.taskDefinitionArn,
        exitCode: t.exitCode,
      }));
  }

  /** Kills a task's whole process group with `signal` (SIGKILL: the task dies as a lost host's would). */
  killTask(taskId: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    const task = this.findTask(taskId);
    if (task.process?.pid !== undefined) signalGroup(task.process.pid, signal);
  }

  /** Stops every task (SIGTERM, then SIGKILL after the stop timeout) and the API server. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.scheduler) clearInterval(this.scheduler);
    const exits: Array<Promise<unknown>> = [];
    for (const service of this.services.values()) {
      for (const task of service.tasks) {
        if (task.lastStatus === 'STOPPED') continue;
        // A task still reading its secrets has no process yet: stopped now, it never spawns one.
        if (!task.process) {
          this.stopTask(service, task, 'local ECS shutting down');
          continue;
        }
        if (task.process.exitCode === null) exits.push(new Promise((resolve) => task.process!.once('exit', resolve)));
        this.stopTask(service, task, 'local ECS shutting down');
      }
    }
    await Promise.all(exits);
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
