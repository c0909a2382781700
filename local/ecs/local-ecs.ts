import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, closeSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { constants as osConstants, hostname } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { createContainerFilesystem, localizeImagePaths, localNetworkJavaOptions, mountVolume, OFFICIAL_IMAGE_REPOSITORY } from '../alluxio/alluxio-image';
import { sessionMembers } from './processes';

/*
 * A stand-in for the part of Amazon ECS the construct relies on, running each container of a task as a
 * local session of processes: task definitions, services with rolling deployments (minimum healthy / maximum
 * percent), the container health check, the deployment circuit breaker with rollback, secrets from SSM
 * read when a task starts, and the service's Cloud Map name. It answers the ECS API (JSON 1.1) for the
 * calls the deploy flow and the rotation function make, so the SDK's ECS client talks to it unchanged.
 *
 * Each rule it follows, its AWS source and what still differs are listed in docs/local-ecs.md; the
 * conformance suite (test/local/local-ecs-conformance.test.ts) pins every rule with a small task.
 * In short: every task gets a new address in 127.0.0.0/8 (awsvpc's stand-in), and a service's Cloud Map
 * name follows its tasks through a hosts file the JVMs read (`-Djdk.net.hosts.file`) in place of DNS;
 * a stopping task's containers get SIGTERM on their main process, SIGKILL after their stopTimeout;
 * health checks run faster until a container first passes (`healthCheckIntervalMs`); a service whose
 * tasks keep failing to start is throttled (`launchBackOff`, ECS's time scaled down).
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
  /**
   * Run health checks this often until a container first passes (readiness seen sooner), then at the
   * task definition's interval (ECS: 5 to 300 s), so a healthy task is stopped after the same time as on ECS.
   */
  readonly healthCheckIntervalMs?: number;
  /** Let a task start this long instead of the task definition's startPeriod before failed checks count. */
  readonly healthCheckStartPeriodMs?: number;
  /** The service throttle's schedule; LAUNCH_BACK_OFF (ECS's 27-minute cap, scaled by 1/60) when not given. */
  readonly launchBackOff?: LaunchBackOff;
  /** Every scheduler decision, for a log. */
  readonly onEvent?: (message: string) => void;
  /**
   * JVM options added to every Alluxio container's ALLUXIO_JAVA_OPTS, after the task definition's: a
   * bench's JVM A/B. Each process's own ALLUXIO_<PROCESS>_JAVA_OPTS (heap, direct memory) come later in
   * its command line and win. A real deployment changes them in the task definition's environment.
   * @default - none
   */
  readonly jvmOptions?: readonly string[];
}

/**
 * ECS's service throttle: when a service's tasks go from PENDING to STOPPED without running, the time
 * before its next launch grows with each such failure in a row, up to a cap (ECS Developer Guide, "Amazon
 * ECS service throttle logic": "incrementally increased up to a maximum of 27 minutes"). ECS does not
 * publish the increments; here the wait doubles from `firstMs`.
 */
export interface LaunchBackOff {
  readonly firstMs: number;
  readonly maxMs: number;
}

/** ECS's cap of 27 minutes and a first wait of 1 minute, both scaled by 1/60 so a suite sees it in seconds. */
export const LAUNCH_BACK_OFF: LaunchBackOff = { firstMs: 1000, maxMs: 27_000 };

/** The wait before the next launch after `failuresInARow` tasks failed to start (0: none). */
export function launchBackOffMs(backOff: LaunchBackOff, failuresInARow: number): number {
  return failuresInARow === 0 ? 0 : Math.min(backOff.maxMs, backOff.firstMs * 2 ** (failuresInARow - 1));
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
  /** Seconds between SIGTERM and SIGKILL when the container is stopped (Fargate: default 30, at most 120). */
  readonly stopTimeout?: number;
  /** The hard memory limit (MiB) and the soft one. */
  readonly memory?: number;
  readonly memoryReservation?: number;
  readonly [other: string]: unknown;
}

interface TaskDefinition {
  readonly taskDefinitionArn: string;
  readonly family: string;
  readonly revision: number;
  readonly containerDefinitions: ContainerDefinition[];
  readonly volumes: TaskVolume[];
  /** The task's memory (MiB), which every container's limit must fit in. */
  readonly memory?: number;
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

type HealthStatus = 'UNKNOWN' | 'HEALTHY' | 'UNHEALTHY';

/** One container of a running task: its own process group, exit code and health. */
interface ContainerRun {
  readonly definition: ContainerDefinition;
  readonly essential: boolean;
  /** No stand-in image here: a stand-in process (STAND_IN_CONTAINER) runs in its place. */
  readonly standIn: boolean;
  readonly logFile: string;
  process?: ChildProcess;
  exitCode?: number | null;
  healthStatus: HealthStatus;
  failedChecks: number;
  checkTimer?: NodeJS.Timeout;
  checkRunning: boolean;
  killTimer?: NodeJS.Timeout;
  exited?: boolean;
}

interface Task {
  readonly taskArn: string;
  readonly id: string;
  readonly deploymentId: string;
  readonly taskDefinitionArn: string;
  readonly address: string;
  /** The first container's log (the Alluxio process's). */
  readonly logFile: string;
  lastStatus: 'PENDING' | 'RUNNING' | 'STOPPING' | 'STOPPED';
  healthStatus: HealthStatus;
  containers: ContainerRun[];
  readonly startedAt: number;
  stoppedReason?: string;
  /** Whether the circuit breaker counted this task (a failed task is counted once). */
  counted: boolean;
  /** RunTask's (and so an EventBridge ECS target's) containerOverrides environment, by container, over the definition's. */
  readonly environmentOverrides?: Record<string, Record<string, string>>;
}

interface Service {
  readonly serviceArn: string;
  readonly serviceName: string;
  readonly clusterArn: string;
  desiredCount: number;
  readonly minimumHealthyPercent: number;
  readonly maximumPercent: number;
  readonly circuitBreaker: { enable: boolean; rollback: boolean };
  /** The service's Cloud Map name: it resolves to the addresses of the service's running tasks. */
  readonly cloudMapName?: string;
  deployments: Deployment[];
  tasks: Task[];
  events: Array<{ id: string; createdAt: number; message: string }>;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  /** The group of RunTask's tasks: no scheduler, no desired count. */
  readonly standalone?: boolean;
  /** The service throttle: tasks that failed to start since one last ran, and when the next may launch. */
  launchFailuresInARow: number;
  nextLaunchAt: number;
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
/**
 * Tag key on CreateService naming the service's Cloud Map name (its serviceRegistries' record, which
 * this local ECS cannot look up in Cloud Map): the deploy flow sets it from the template.
 */
export const CLOUD_MAP_NAME_TAG = 'local:cloud-map-name';

/** Images with a stand-in filesystem here; any other image runs STAND_IN_CONTAINER (see docs/local-ecs.md). */
const HOST_COMMAND_IMAGE = 'local-ecs/host-command';

/**
 * The process that runs for a container whose image cannot run here (the CloudWatch agent's): it checks
 * the memory limit it is given is a whole number of MiB, as the container runtime needs one, then idles
 * until SIGTERM and exits 0, as a well-behaved sidecar does. LOCAL_ECS_STAND_IN_EXIT makes it exit with
 * that code after LOCAL_ECS_STAND_IN_AFTER_MS (the conformance suite's way to make a sidecar fail).
 */
export const STAND_IN_CONTAINER = `
const limit = process.env.LOCAL_ECS_MEMORY_MIB;
if (!/^[1-9][0-9]*$/.test(String(limit))) { console.error('stand-in: memory limit ' + limit + ' is not a whole number of MiB'); process.exit(125); }
console.log('stand-in for ' + process.env.LOCAL_ECS_IMAGE + ' (' + limit + ' MiB) running');
process.on('SIGTERM', () => { console.log('stand-in: SIGTERM, exiting'); process.exit(0); });
const code = process.env.LOCAL_ECS_STAND_IN_EXIT;
if (code !== undefined) setTimeout(() => process.exit(Number(code)), Number(process.env.LOCAL_ECS_STAND_IN_AFTER_MS || 0));
else setInterval(() => undefined, 1 << 30);
`;

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
    this.writeHostsFile();
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
        return {
          taskArns: this.service(input.serviceName)
            .tasks.filter((t) => t.lastStatus !== 'STOPPED')
            .map((t) => t.taskArn),
        };
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
    const containers = ((input.containerDefinitions ?? []) as ContainerDefinition[]).map((c) => ({ ...c, essential: c.essential ?? true }));
    // RegisterTaskDefinition's own checks (ECS API reference, ContainerDefinition): at least one
    // essential container; memory limits in whole MiB that fit the task's memory; stopTimeout at most 120 s.
    if (!containers.some((c) => c.essential)) throw new EcsError('ClientException', `${family}: a task definition needs at least one essential container`);
    const taskMemory = input.memory === undefined ? undefined : Number(input.memory);
    for (const c of containers) {
      for (const [name, value] of [
        ['memory', c.memory],
        ['memoryReservation', c.memoryReservation],
      ] as const) {
        if (value !== undefined && (!Number.isInteger(Number(value)) || Number(value) < 6))
          throw new EcsError('ClientException', `${family}/${c.name}: ${name} must be a whole number of MiB (at least 6), not ${value}`);
      }
      const limit = Number(c.memory ?? c.memoryReservation ?? 0);
      if (taskMemory !== undefined && limit > taskMemory)
        throw new EcsError('ClientException', `${family}/${c.name}: its memory ${limit} MiB is more than the task's ${taskMemory} MiB`);
      if (c.stopTimeout !== undefined && !(Number(c.stopTimeout) >= 0 && Number(c.stopTimeout) <= 120))
        throw new EcsError('ClientException', `${family}/${c.name}: stopTimeout ${c.stopTimeout} is outside 0 to 120 s`);
    }
    if (taskMemory !== undefined && !Number.isInteger(taskMemory))
      throw new EcsError('ClientException', `${family}: the task memory ${input.memory} is not a whole number of MiB`);
    const revision = (this.revisions.get(family) ?? 0) + 1;
    this.revisions.set(family, revision);
    const definition: TaskDefinition = {
      taskDefinitionArn: `arn:aws:ecs:${this.region}:${this.accountId}:task-definition/${family}:${revision}`,
      family,
      revision,
      containerDefinitions: containers,
      volumes: input.volumes ?? [],
      memory: taskMemory,
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
    const cloudMapName = (input.tags as Array<{ key: string; value: string }> | undefined)?.find((t) => t.key === CLOUD_MAP_NAME_TAG)?.value;
    const service: Service = {
      serviceArn: `arn:aws:ecs:${this.region}:${this.accountId}:service/${input.cluster ?? 'default'}/${serviceName}`,
      serviceName,
      clusterArn: `arn:aws:ecs:${this.region}:${this.accountId}:cluster/${input.cluster ?? 'default'}`,
      desiredCount: Number(input.desiredCount ?? 1),
      minimumHealthyPercent: Number(configuration.minimumHealthyPercent ?? 100),
      maximumPercent: Number(configuration.maximumPercent ?? 200),
      circuitBreaker: { enable: Boolean(configuration.deploymentCircuitBreaker?.enable), rollback: Boolean(configuration.deploymentCircuitBreaker?.rollback) },
      cloudMapName,
      deployments: [this.newDeployment(definition.taskDefinitionArn)],
      tasks: [],
      events: [],
      status: 'ACTIVE',
      launchFailuresInARow: 0,
      nextLaunchAt: 0,
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
        launchFailuresInARow: 0,
        nextLaunchAt: 0,
      };
      this.services.set(STANDALONE_TASKS, group);
    }
    const deployment = this.newDeployment(definition.taskDefinitionArn);
    group.deployments.push(deployment);
    const overrides = (input.overrides?.containerOverrides ?? []) as Array<{ name?: string; environment?: Array<{ name: string; value: string }> }>;
    const names = definition.containerDefinitions.map((c) => c.name);
    const unknown = overrides.find((o) => !names.includes(String(o.name)));
    if (unknown) throw new EcsError('InvalidParameterException', `Override for container named ${unknown.name} is not a container in the TaskDefinition.`);
    const environment = Object.fromEntries(overrides.map((o) => [String(o.name), Object.fromEntries((o.environment ?? []).map((e) => [e.name, e.value]))]));
    return this.startTask(group, deployment, environment);
  }

  private updateService(input: Record<string, any>): Service {
    const service = this.service(input.service);
    if (input.desiredCount !== undefined) service.desiredCount = Number(input.desiredCount);
    const current = service.deployments[0];
    const taskDefinition = input.taskDefinition ? this.taskDefinition(input.taskDefinition).taskDefinitionArn : current.taskDefinition;
    if (taskDefinition !== current.taskDefinition && service.launchFailuresInARow > 0) {
      // "If you update your service to use a new task definition, your service returns to a normal,
      // non-throttled state immediately" (service throttle logic); a forced deployment of the same one does not.
      this.event(service, `service ${service.serviceName}: new task definition, the launch throttle is lifted`);
      service.launchFailuresInARow = 0;
      service.nextLaunchAt = 0;
    }
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
    // maximumPercent bounds the tasks PENDING or RUNNING, minimumHealthyPercent the RUNNING healthy
    // ones (ECS API reference, DeploymentConfiguration): a STOPPING task counts for neither.
    const live = service.tasks.filter((t) => t.lastStatus === 'PENDING' || t.lastStatus === 'RUNNING');
    const primaryLive = live.filter((t) => t.deploymentId === primary.id);
    const oldLive = live.filter((t) => t.deploymentId !== primary.id);
    const healthy = live.filter((t) => isHealthy(t));
    const minimumHealthy = Math.ceil((service.desiredCount * service.minimumHealthyPercent) / 100);
    const maximum = Math.floor((service.desiredCount * service.maximumPercent) / 100);

    // Old tasks go while enough healthy ones remain.
    for (const task of oldLive) {
      const healthyWithout = healthy.filter((t) => t !== task).length;
      if (healthyWithout >= minimumHealthy) {
        this.stopTask(service, task, `replaced by deployment ${primary.id}`);
        if (healthy.includes(task)) healthy.splice(healthy.indexOf(task), 1);
      }
    }
    const stillLive = service.tasks.filter((t) => t.lastStatus === 'PENDING' || t.lastStatus === 'RUNNING');
    const throttled = Date.now() < service.nextLaunchAt;
    if (primary.rolloutState !== 'FAILED' && !throttled && primaryLive.length < service.desiredCount && stillLive.length < Math.max(maximum, 1)) {
      this.startTask(service, primary);
    }
    // Extra primary tasks (a lower desired count) stop, newest first.
    for (const task of primaryLive.slice(service.desiredCount).reverse()) this.stopTask(service, task, 'scaled down');

    const primaryHealthy = service.tasks.filter((t) => t.deploymentId === primary.id && isHealthy(t));
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
    if (task.counted || !deployment || deployment.status !== 'PRIMARY' || deployment.rolloutState !== 'IN_PROGRESS') return;
    task.counted = true;
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

  /** A task went from PENDING to STOPPED: the service's next launch waits (ECS's service throttle). */
  private launchFailed(service: Service): void {
    service.launchFailuresInARow += 1;
    const waitMs = launchBackOffMs(this.options.launchBackOff ?? LAUNCH_BACK_OFF, service.launchFailuresInARow);
    service.nextLaunchAt = Date.now() + waitMs;
    if (service.launchFailuresInARow >= 2) {
      // ECS's own service event text when the throttle starts.
      this.event(service, `(service ${service.serviceName}) is unable to consistently start tasks successfully. (next launch in ${waitMs} ms)`);
    }
  }

  // --- tasks --------------------------------------------------------------------------------------

  /**
   * Task addresses run from <block>.1 to .254, handed out round-robin: a replacement task gets a new
   * address, as a new ECS task (awsvpc) gets a new network interface, so the peers see a new worker or
   * master rather than the old one back, and reach a master only through its Cloud Map name.
   */
  private nextAddress(): string {
    for (let tried = 0; tried < 254; tried++) {
      this.lastHost = this.lastHost >= 254 ? 1 : this.lastHost + 1;
      const address = `${this.options.addressBlock}.${this.lastHost}`;
      if (!this.usedAddresses.has(address)) {
        this.usedAddresses.add(address);
        return address;
      }
    }
    throw new EcsError('ServerException', `no free address left in ${this.options.addressBlock}.0/24`);
  }

  private lastHost = 0;

  /**
   * The Cloud Map names' stand-in for DNS: a hosts file every local JVM reads (`-Djdk.net.hosts.file`)
   * and the local Lambda runner's resolver too. A name lists the addresses of its service's RUNNING
   * tasks that are not UNHEALTHY: ECS registers a task's address when it runs and deregisters it when
   * it stops, and Cloud Map answers only healthy instances. The file also names this host (the JVM
   * resolves its own hostname at start), since it replaces the system's resolver for the JVM.
   */
  get hostsFile(): string {
    return join(this.options.stateDir, 'hosts');
  }

  /** The addresses `name` resolves to now (what the hosts file says). */
  resolve(name: string): string[] {
    return this.cloudMapRecords()
      .filter((record) => record.name === name)
      .map((record) => record.address);
  }

  private cloudMapRecords(): Array<{ name: string; address: string }> {
    const records: Array<{ name: string; address: string }> = [];
    for (const service of this.services.values()) {
      if (!service.cloudMapName || service.status !== 'ACTIVE') continue;
      for (const task of service.tasks) {
        if (task.lastStatus === 'RUNNING' && task.healthStatus !== 'UNHEALTHY') records.push({ name: service.cloudMapName, address: task.address });
      }
    }
    return records;
  }

  private writeHostsFile(): void {
    // Every live task's address has its own name first, as a VPC's DNS gives a private address its
    // ip-a-b-c-d name: a reverse lookup (which Alluxio's worker makes of its bind address before it
    // binds again by name) must not answer a Cloud Map name, which Cloud Map never puts in a PTR
    // record and which may stand for another task's address.
    const names = new Map<string, string[]>();
    for (const service of this.services.values()) {
      for (const task of service.tasks) if (task.lastStatus !== 'STOPPED') names.set(task.address, [`ip-${task.address.replace(/\./g, '-')}.compute.internal`]);
    }
    for (const record of this.cloudMapRecords()) names.get(record.address)?.push(record.name);
    const lines = ['127.0.0.1 localhost', `127.0.0.1 ${hostname()}`, ...[...names].map(([address, hostnames]) => `${address} ${hostnames.join(' ')}`)];
    // Replaced whole (rename), so a reader never sees half a file.
    const next = `${this.hostsFile}.${process.pid}.next`;
    writeFileSync(next, `${lines.join('\n')}\n`);
    renameSync(next, this.hostsFile);
  }

  private startTask(service: Service, deployment: Deployment, environmentOverrides?: Record<string, Record<string, string>>): Task {
    const definition = this.taskDefinition(deployment.taskDefinition);
    const id = randomUUID().replace(/-/g, '');
    const address = this.nextAddress();
    const taskDir = join(this.options.stateDir, 'tasks', `${service.serviceName}-${id.slice(0, 8)}`);
    mkdirSync(taskDir, { recursive: true });
    const containers: ContainerRun[] = definition.containerDefinitions.map((container, index) => ({
      definition: container,
      essential: container.essential !== false,
      standIn: !container.image.startsWith(`${OFFICIAL_IMAGE_REPOSITORY}:`) && container.image !== HOST_COMMAND_IMAGE,
      logFile: join(taskDir, index === 0 ? 'container.log' : `${container.name}.log`),
      healthStatus: 'UNKNOWN',
      failedChecks: 0,
      checkRunning: false,
    }));
    const task: Task = {
      taskArn: `arn:aws:ecs:${this.region}:${this.accountId}:task/${service.serviceName}/${id}`,
      id,
      deploymentId: deployment.id,
      taskDefinitionArn: definition.taskDefinitionArn,
      address,
      logFile: containers[0].logFile,
      lastStatus: 'PENDING',
      healthStatus: 'UNKNOWN',
      containers,
      startedAt: Date.now(),
      counted: false,
      environmentOverrides,
    };
    service.tasks.push(task);
    this.event(service, `service ${service.serviceName} started task ${id.slice(0, 8)} at ${address} (${definition.family}:${definition.revision})`);
    void this.launch(service, task, definition, taskDir).catch((error: unknown) => {
      task.stoppedReason = `ResourceInitializationError: ${error instanceof Error ? error.message : String(error)}`;
      this.stopTask(service, task, task.stoppedReason, true);
    });
    return task;
  }

  private async launch(service: Service, task: Task, definition: TaskDefinition, taskDir: string): Promise<void> {
    // Secrets are read when the task starts, as ECS does (a later change reaches only new tasks); one
    // that cannot be read fails the task before any container starts.
    const secrets: Array<Record<string, string>> = [];
    for (const container of task.containers) {
      const values: Record<string, string> = {};
      for (const secret of container.definition.secrets ?? []) {
        const name = secret.valueFrom.replace(/^arn:[^:]+:ssm:[^:]*:[^:]*:parameter/, '');
        const output = await this.options.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
        values[secret.name] = output.Parameter?.Value ?? '';
      }
      secrets.push(values);
    }
    if (task.lastStatus !== 'PENDING') return;
    task.containers.forEach((container, index) =>
      this.startContainer(service, task, definition, container, join(taskDir, index === 0 ? 'root' : `${container.definition.name}-root`), secrets[index]),
    );
    task.lastStatus = 'RUNNING';
    // A task that runs ends the streak: the throttle is for tasks that "repeatedly fail to enter the
    // RUNNING state" (how ECS itself resets is not published; this is the reading the docs allow).
    service.launchFailuresInARow = 0;
    this.writeHostsFile();
    for (const container of task.containers) this.scheduleHealthChecks(service, task, container);
  }

  private startContainer(
    service: Service,
    task: Task,
    definition: TaskDefinition,
    container: ContainerRun,
    root: string,
    secrets: Record<string, string>,
  ): void {
    const spec = container.definition;
    const environment: Record<string, string> = {
      ...Object.fromEntries((spec.environment ?? []).map((e) => [e.name, e.value])),
      ...task.environmentOverrides?.[spec.name],
      ...secrets,
    };
    let program: string;
    let args: string[];
    let cwd: string | undefined;
    let env: Record<string, string>;
    if (container.standIn) {
      // No image to run: the stand-in process, given the limit the container runtime would enforce.
      [program, args] = [process.execPath, ['-e', STAND_IN_CONTAINER]];
      env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...environment,
        LOCAL_ECS_IMAGE: spec.image,
        LOCAL_ECS_MEMORY_MIB: String(spec.memory ?? spec.memoryReservation ?? definition.memory),
      };
    } else if (spec.image === HOST_COMMAND_IMAGE) {
      // The conformance suite's tasks: the command runs on this host as it is.
      [program, ...args] = [...(spec.entryPoint ?? []), ...(spec.command ?? [])];
      env = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...environment, LOCAL_ECS_TASK_ADDRESS: task.address };
    } else {
      const filesystem = createContainerFilesystem(root, this.options.jarsDir, task.address);
      for (const mount of spec.mountPoints ?? []) {
        mountVolume(filesystem, mount.containerPath, this.volumeDir(service, definition, mount.sourceVolume, task));
      }
      env = {
        PATH: `${filesystem.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        ...(process.env.JAVA_HOME ? { JAVA_HOME: process.env.JAVA_HOME } : {}),
        HOME: filesystem.root,
        // No instance metadata here; the AWS SDK inside Alluxio must not wait for it.
        AWS_EC2_METADATA_DISABLED: 'true',
        ...environment,
      };
      env.ALLUXIO_JAVA_OPTS = [environment.ALLUXIO_JAVA_OPTS, ...(this.options.jvmOptions ?? []), localNetworkJavaOptions(task.address, this.hostsFile)]
        .filter(Boolean)
        .join(' ');
      [program, ...args] = [...(spec.entryPoint ?? []), ...(spec.command ?? []).map((part) => localizeImagePaths(part, filesystem.root))];
      cwd = filesystem.root;
    }
    const log = openSync(container.logFile, 'a');
    try {
      // Its own process group: the container's processes, all ended when its main process ends.
      container.process = spawn(program, args, { cwd, env, detached: true, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    // For a cleanup by pid after a crash of the process that ran the local ECS.
    if (container.process.pid !== undefined) writeFileSync(`${container.logFile.replace(/\.log$/, '')}.pid`, String(container.process.pid));
    container.process.once('error', (error) => {
      appendFileSync(container.logFile, `local ECS: the container could not start: ${error.message}\n`);
    });
    container.process.once('exit', (code, signal) =>
      this.containerExited(service, task, container, code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : null)),
    );
  }

  /**
   * A container's main process ended: the rest of its processes go with it (a container's PID
   * namespace ends with its PID 1). An essential container's exit stops the task (its other containers
   * get SIGTERM, then SIGKILL after their stopTimeout) and counts for the circuit breaker; a
   * non-essential one's exit is only recorded.
   */
  private containerExited(service: Service, task: Task, container: ContainerRun, exitCode: number | null): void {
    if (container.exited) return;
    container.exited = true;
    container.exitCode = exitCode;
    if (container.checkTimer) clearTimeout(container.checkTimer);
    if (container.killTimer) clearTimeout(container.killTimer);
    if (container.process?.pid !== undefined) signalContainer(container.process.pid, 'SIGKILL');
    if (task.lastStatus === 'STOPPING' || task.lastStatus === 'STOPPED') {
      if (task.containers.every((c) => c.exited || !c.process)) this.markStopped(service, task);
      return;
    }
    if (!container.essential) {
      this.event(
        service,
        `service ${service.serviceName} task ${task.id.slice(0, 8)}: non-essential container ${container.definition.name} exited (exit code ${exitCode}); the task runs on`,
      );
      return;
    }
    const reason = `Essential container in task exited (${container.definition.name}, exit code ${exitCode})`;
    task.stoppedReason ??= reason;
    this.stopTask(service, task, reason, true);
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

  private scheduleHealthChecks(service: Service, task: Task, container: ContainerRun): void {
    const check = container.definition.healthCheck;
    if (!check) return;
    // The shortened interval only until the container first passes (readiness is seen sooner); then the
    // task definition's, so the failures that stop a healthy task span retries x interval as on ECS
    // (a 1 s pace let a master's few seconds without its port, as it turns primary, kill it).
    const definitionIntervalMs = (check.interval ?? 30) * 1000;
    const intervalMs = () => (container.healthStatus === 'HEALTHY' ? definitionIntervalMs : (this.options.healthCheckIntervalMs ?? definitionIntervalMs));
    const timeoutMs = (check.timeout ?? 5) * 1000;
    const startPeriodMs = this.options.healthCheckStartPeriodMs ?? (check.startPeriod ?? 0) * 1000;
    const retries = check.retries ?? 3;
    const [, ...rest] = check.command;
    // CMD-SHELL runs in the container, where 127.0.0.1 is the task itself: here, the task's address.
    const command = rest.join(' ').split('127.0.0.1').join(task.address);
    const next = () => {
      container.checkTimer = setTimeout(probeOnce, intervalMs());
    };
    const probeOnce = () => {
      if (task.lastStatus !== 'RUNNING' || container.exited) return;
      if (container.checkRunning) return next();
      container.checkRunning = true;
      const probe = spawn('/bin/sh', ['-c', command], { stdio: 'ignore', timeout: timeoutMs });
      probe.once('exit', (code) => {
        container.checkRunning = false;
        if (task.lastStatus !== 'RUNNING' || container.exited) return;
        if (code === 0) {
          container.failedChecks = 0;
          container.healthStatus = 'HEALTHY';
        } else if (Date.now() - task.startedAt >= startPeriodMs || container.healthStatus === 'HEALTHY') {
          // Failures in the start period do not count until a check has passed (HealthCheck, startPeriod).
          container.failedChecks += 1;
          if (container.failedChecks >= retries) container.healthStatus = 'UNHEALTHY';
        }
        this.updateTaskHealth(service, task);
        next();
      });
    };
    next();
  }

  /**
   * The task's health from its essential containers' (ECS: UNHEALTHY if one is, HEALTHY when all that
   * have a check are, UNKNOWN otherwise). A task turning HEALTHY resets its deployment's failed-task
   * count (the circuit breaker's resetOnHealthyTask, true by default); an UNHEALTHY one is stopped and
   * counted as a failed task.
   */
  private updateTaskHealth(service: Service, task: Task): void {
    const checked = task.containers.filter((c) => c.essential && c.definition.healthCheck);
    const status: HealthStatus = checked.some((c) => c.healthStatus === 'UNHEALTHY')
      ? 'UNHEALTHY'
      : checked.length > 0 && checked.every((c) => c.healthStatus === 'HEALTHY')
        ? 'HEALTHY'
        : 'UNKNOWN';
    if (status === task.healthStatus) return;
    task.healthStatus = status;
    if (status === 'HEALTHY') {
      const deployment = service.deployments.find((d) => d.id === task.deploymentId);
      if (deployment?.rolloutState === 'IN_PROGRESS' && deployment.failedTasks > 0) {
        this.event(
          service,
          `service ${service.serviceName}: task ${task.id.slice(0, 8)} is healthy; the circuit breaker's failed-task count (${deployment.failedTasks}) resets`,
        );
        deployment.failedTasks = 0;
      }
    }
    if (status === 'UNHEALTHY') {
      this.writeHostsFile();
      this.stopTask(service, task, 'Task failed container health checks', true);
    }
  }

  /**
   * Stops a task as ECS does: SIGTERM to each container's main process (its PID 1, not the whole
   * container), SIGKILL to what remains of the container after its stopTimeout (30 s unless the task
   * definition says otherwise). `failed`: the stop ends a task that failed (an essential container
   * exited, health checks, no secrets), which the circuit breaker counts.
   */
  private stopTask(service: Service, task: Task, reason: string, failed = false): Task {
    if (task.lastStatus === 'STOPPED' || task.lastStatus === 'STOPPING') return task;
    if (failed && task.lastStatus === 'PENDING' && !service.standalone) this.launchFailed(service);
    task.stoppedReason ??= reason;
    task.lastStatus = 'STOPPING';
    this.event(service, `service ${service.serviceName} stopping task ${task.id.slice(0, 8)}: ${task.stoppedReason}`);
    // Deregistered from the Cloud Map name as it stops.
    this.writeHostsFile();
    if (failed) {
      this.event(service, `service ${service.serviceName} task ${task.id.slice(0, 8)} failed: ${task.stoppedReason}`);
      this.taskFailed(service, task);
    }
    const running = task.containers.filter((c) => c.process?.pid !== undefined && !c.exited);
    if (running.length === 0) {
      this.markStopped(service, task);
      return task;
    }
    for (const container of running) {
      const pid = container.process!.pid!;
      signalProcess(pid, 'SIGTERM');
      container.killTimer = setTimeout(() => signalContainer(pid, 'SIGKILL'), (container.definition.stopTimeout ?? DEFAULT_STOP_TIMEOUT_SECONDS) * 1000);
    }
    return task;
  }

  private markStopped(service: Service, task: Task): void {
    if (task.lastStatus === 'STOPPED') return;
    task.lastStatus = 'STOPPED';
    for (const container of task.containers) {
      if (container.checkTimer) clearTimeout(container.checkTimer);
      if (container.killTimer) clearTimeout(container.killTimer);
    }
    this.usedAddresses.delete(task.address);
    this.writeHostsFile();
    this.event(service, `service ${service.serviceName} task ${task.id.slice(0, 8)} stopped: ${task.stoppedReason}`);
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
      containers: task.containers.map((c) => ({
        name: c.definition.name,
        image: c.definition.image,
        lastStatus: c.exited ? 'STOPPED' : c.process ? 'RUNNING' : 'PENDING',
        exitCode: c.exitCode ?? undefined,
        healthStatus: c.healthStatus,
        essential: c.essential,
        networkInterfaces: [{ privateIpv4Address: task.address }],
      })),
    };
  }

  private event(service: Service, message: string): void {
    service.events.push({ id: randomUUID(), createdAt: Date.now() / 1000, message });
    this.options.onEvent?.(message);
  }

  // --- for the deploy flow and the tests ----------------------------------------------------------

  /**
   * The live tasks of a service (with `includeStopped`, the stopped ones too, with their exit codes):
   * address, health, pid and log (the first container's), each container's, for checks and fault injection.
   */
  tasksOf(serviceName: string, includeStopped = false): LocalTaskView[] {
    return this.service(serviceName)
      .tasks.filter((t) => includeStopped || t.lastStatus !== 'STOPPED')
      .map((t) => ({
        id: t.id,
        taskArn: t.taskArn,
        address: t.address,
        health: t.healthStatus,
        status: t.lastStatus,
        pid: t.containers[0].process?.pid,
        logFile: t.logFile,
        taskDefinition: t.taskDefinitionArn,
        exitCode: t.containers[0].exitCode,
        stoppedReason: t.stoppedReason,
        containers: t.containers.map((c) => ({
          name: c.definition.name,
          pid: c.process?.pid,
          exitCode: c.exitCode,
          health: c.healthStatus,
          logFile: c.logFile,
          standIn: c.standIn,
        })),
      }));
  }

  /** Kills every process of a task with `signal` (SIGKILL: the task dies as a lost host's would). */
  killTask(taskId: string, signal: NodeJS.Signals = 'SIGKILL'): void {
    const task = this.findTask(taskId);
    for (const container of task.containers) if (container.process?.pid !== undefined) signalContainer(container.process.pid, signal);
  }

  /**
   * Stops every task (SIGTERM, then SIGKILL after the stop timeout) and the API server. `killAtOnce`:
   * SIGKILL straight away, for a test's teardown, whose state goes next and which tests no stop.
   */
  async shutdown(killAtOnce = false): Promise<void> {
    this.stopping = true;
    if (this.scheduler) clearInterval(this.scheduler);
    const exits: Array<Promise<unknown>> = [];
    for (const service of this.services.values()) {
      for (const task of service.tasks) {
        if (task.lastStatus === 'STOPPED') continue;
        // A task still reading its secrets has no process yet: stopped now, it never spawns one.
        for (const container of task.containers) {
          const child = container.process;
          if (child && !container.exited) exits.push(new Promise((resolve) => child.once('exit', resolve)));
        }
        // Killed before stopTask's SIGTERM, so that no handler of it runs.
        if (killAtOnce)
          for (const container of task.containers)
            if (container.process?.pid !== undefined && !container.exited) signalContainer(container.process.pid, 'SIGKILL');
        this.stopTask(service, task, 'local ECS shutting down');
      }
    }
    await Promise.all(exits);
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** A task as the tests see it. */
export interface LocalTaskView {
  readonly id: string;
  readonly taskArn: string;
  readonly address: string;
  readonly health: string;
  readonly status: string;
  readonly pid?: number;
  readonly logFile: string;
  readonly taskDefinition: string;
  readonly exitCode?: number | null;
  readonly stoppedReason?: string;
  readonly containers: ReadonlyArray<{ name: string; pid?: number; exitCode?: number | null; health: string; logFile: string; standIn: boolean }>;
}

/** ECS's stop timeout when the container definition names none (Fargate; the EC2 agent's default too). */
const DEFAULT_STOP_TIMEOUT_SECONDS = 30;

/** Counts as healthy for a deployment: RUNNING, and HEALTHY when an essential container has a health check. */
function isHealthy(task: Task): boolean {
  if (task.lastStatus !== 'RUNNING') return false;
  return task.healthStatus === 'HEALTHY' || !task.containers.some((c) => c.essential && c.definition.healthCheck);
}

/** One process (a container's main process, as `docker stop` signals PID 1). */
function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Every process of a container (its session: local/ecs/processes.ts), as the end of its PID
 * namespace ends them on ECS.
 */
function signalContainer(pid: number, signal: NodeJS.Signals): void {
  // The main process's group first, at once (no fork can slip between a scan and the kill); then every
  // other member of the session, which holds the groups its processes made of their own.
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
  for (const member of sessionMembers(pid)) signalProcess(member, signal);
}
