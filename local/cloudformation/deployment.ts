import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as ecsCommands from '@aws-sdk/client-ecs';
import { CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { invokeLambda, LambdaFunction } from './lambda-runner';
import { LocalExecution, SfnFront } from './sfn-front';
import { runStateMachine, StateMachineFailed } from './state-machine';
import { CLOUD_MAP_NAME_TAG } from '../ecs/local-ecs';
import { dependencyGraph, resolveValue, ResolveContext, Template, TemplateResource } from './template';

/*
 * The stack deployed on this machine the way CloudFormation deploys it: the resources of the
 * synthesized template in parallel along its dependency graph (DependsOn, Ref, Fn::GetAtt, Fn::Sub: a
 * resource starts once everything it depends on is done, as CloudFormation creates and updates "in
 * parallel to the extent possible", DependsOn attribute page; see docs/local-ecs.md), the custom
 * resources through their own bundled handlers
 * (onEvent, then isComplete polling as the Provider framework does), the ECS task definitions and
 * services through the local ECS (waiting for a steady state as CloudFormation does), the rotation's
 * first run through its function. Resources this machine has no stand-in for (VPC, IAM, EFS, logs,
 * alarms) get placeholder ids: nothing here enforces them, and the tests that check them read the
 * template (cdk-nag, cfn-lint, assertions).
 *
 * A second deploy of a changed template updates what changed (Update events with the old properties,
 * a new task definition and an ECS rolling update) and deletes custom resources the template dropped.
 */

export interface SandboxAws {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface LocalDeploymentOptions {
  readonly stackName: string;
  readonly template: Template;
  /** The cloud assembly folder the template was synthesized into (its asset.<hash> folders hold the code). */
  readonly assemblyDir: string;
  /** The local ECS's API. */
  readonly ecsEndpoint: string;
  /** moto: SSM, SNS, CloudWatch for the handlers. */
  readonly aws: SandboxAws;
  /** The local ECS's hosts file, where its Cloud Map names resolve (handed to the local Lambda functions). */
  readonly hostsFile?: string;
  /** Where the deployed state is kept between deploys (the stack's "current template"). */
  readonly statePath: string;
  readonly log?: (line: string) => void;
  /** How often a Provider framework's isComplete is polled (the template's interval is 15 s). */
  readonly pollIntervalMs?: number;
  /** How long a service may take to reach a steady state (CloudFormation waits up to 3 h). */
  readonly serviceStableTimeoutMs?: number;
}

interface DeployedResource {
  readonly type: string;
  readonly physicalId: string;
  readonly attributes: Record<string, string>;
  /** No stand-in here: its attributes are made up from its id when asked for. */
  readonly placeholder?: boolean;
  /** The resolved properties it was deployed with (compared on the next deploy). */
  readonly properties: unknown;
}

export interface DeployResult {
  readonly outputs: Record<string, string>;
  /** Cloud Map name → the logical id of the service registered under it. */
  readonly cloudMap: Record<string, string>;
  readonly serviceNames: Record<string, string>;
  readonly created: string[];
  readonly updated: string[];
  /** Each handled resource's log (the handler's CloudWatch log), by logical id. */
  readonly logs: Record<string, string>;
  /** When each created or updated resource's operation started and ended (ms since the epoch), by logical id. */
  readonly timeline: Record<string, { started: number; finished: number }>;
}

/** A resource that failed, as CloudFormation reports it. */
export class ResourceFailed extends Error {
  constructor(
    readonly logicalId: string,
    readonly reason: string,
  ) {
    super(`${logicalId}: ${reason}`);
  }
}

const ACCOUNT_ID = '123456789012';
/** Step Functions' Wait states run this much shorter here (docs/local-ecs.md); the steps' own bounds are wall-clock and unscaled. */
export const LOCAL_WAIT_SCALE = 0.2;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class LocalDeployment {
  private readonly deployed = new Map<string, DeployedResource>();
  private readonly previous: Record<string, DeployedResource>;
  private readonly ecs: ECSClient;
  private readonly sns: SNSClient;
  private readonly functionsByArn = new Map<string, string>();
  private readonly cloudMap: Record<string, string> = {};
  private readonly cloudMapNames: Record<string, string> = {};
  private readonly logs: Record<string, string> = {};
  private readonly log: (line: string) => void;
  /** Every execution started, by state machine ARN and name (Step Functions refuses a name it has seen), with its outcome. */
  private readonly executions = new Map<string, LocalExecution & { output?: unknown; error?: string }>();
  /** ListExecutions over `executions`, for the functions (started with the first invocation). */
  private sfnFront?: Promise<SfnFront>;

  constructor(private readonly options: LocalDeploymentOptions) {
    this.log = options.log ?? (() => undefined);
    this.previous = existsSync(options.statePath) ? JSON.parse(readFileSync(options.statePath, 'utf8')) : {};
    const clientConfig = { region: options.aws.region, credentials: { accessKeyId: options.aws.accessKeyId, secretAccessKey: options.aws.secretAccessKey } };
    this.ecs = new ECSClient({ ...clientConfig, endpoint: options.ecsEndpoint });
    this.sns = new SNSClient({ ...clientConfig, endpoint: options.aws.endpoint });
  }

  private get resources(): Record<string, TemplateResource> {
    return this.options.template.Resources;
  }

  /** The environment every local Lambda invocation starts from: the sandbox's endpoints and a fixed key pair. */
  async lambdaEnvironment(): Promise<Record<string, string>> {
    const { aws } = this.options;
    this.sfnFront ??= SfnFront.start(
      () => [...this.executions.values()],
      (arn) => [...this.deployed.values()].some((resource) => resource.type === 'AWS::StepFunctions::StateMachine' && resource.physicalId === arn),
    );
    return {
      AWS_ENDPOINT_URL_SFN: (await this.sfnFront).endpoint,
      AWS_REGION: aws.region,
      AWS_DEFAULT_REGION: aws.region,
      AWS_ACCESS_KEY_ID: aws.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_ENDPOINT_URL_ECS: this.options.ecsEndpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...(this.options.hostsFile ? { LOCAL_HOSTS_FILE: this.options.hostsFile } : {}),
    };
  }

  /**
   * Deploys the template. A resource that fails ends the deploy as CloudFormation's does: every
   * resource this deploy created or changed is rolled back, newest first (a custom resource gets an
   * Update with its previous properties, a service its previous task definition, a created one is
   * deleted), the state stays the previous one, and the failure is thrown. Replaced custom resources
   * (a new physical id) get their Delete in the cleanup phase, only after everything succeeded.
   */
  async deploy(): Promise<DeployResult> {
    this.nameCloudMapServices();
    const created: string[] = [];
    const updated: string[] = [];
    const timeline: Record<string, { started: number; finished: number }> = {};
    const changes: Array<{ id: string; before?: DeployedResource; after: DeployedResource }> = [];
    const attempted: string[] = [];
    const step = async (id: string): Promise<void> => {
      const resource = this.resources[id];
      const properties = resolveValue(resource.Properties ?? {}, this.context(), `${id}.Properties`);
      const before = this.previous[id];
      if (before && before.type === resource.Type && isDeepStrictEqual(before.properties, properties)) {
        this.deployed.set(id, before);
        this.noteFunction(id, before);
        return;
      }
      const started = Date.now();
      attempted.push(id);
      const result = await this.apply(id, resource, properties, before);
      timeline[id] = { started, finished: Date.now() };
      this.deployed.set(id, result);
      this.noteFunction(id, result);
      // In the order the operations completed: a resource always after everything it depends on.
      changes.push({ id, before, after: result });
      (before ? updated : created).push(id);
    };
    const failure = await this.runAlongGraph(step);
    if (failure) {
      this.log(`UPDATE_ROLLBACK_IN_PROGRESS: ${failure.logicalId}: ${failure.reason}`);
      await this.rollBack(
        changes,
        attempted.filter((id) => !changes.some((c) => c.id === id)),
      );
      this.log('UPDATE_ROLLBACK_COMPLETE');
      throw failure;
    }
    // The cleanup phase: what the update replaced or dropped is deleted once everything succeeded.
    for (const change of changes) {
      if (change.before && change.before.physicalId !== change.after.physicalId && this.isCustom(change.before.type)) {
        this.log(`DELETE_IN_PROGRESS ${change.id} (replaced: ${change.before.physicalId})`);
        await this.deleteCustomResource(change.id, change.before);
      }
    }
    await this.deleteDropped();
    this.saveState(Object.fromEntries(this.deployed));
    return {
      outputs: this.outputs(),
      cloudMap: { ...this.cloudMap },
      serviceNames: Object.fromEntries([...this.deployed].filter(([, r]) => r.type === 'AWS::ECS::Service').map(([id, r]) => [id, r.attributes.Name])),
      created,
      updated,
      logs: { ...this.logs },
      timeline,
    };
  }

  /**
   * Runs `step` for every resource, each as soon as all it depends on are done and as many at once as
   * the graph allows. The first failure stops new starts; the operations already under way finish
   * (CloudFormation waits for them before it rolls back), and the failure is returned.
   */
  private async runAlongGraph(step: (id: string) => Promise<void>): Promise<ResourceFailed | undefined> {
    const dependencies = dependencyGraph(this.options.template);
    const waiting = new Set(dependencies.keys());
    const done = new Set<string>();
    const running = new Map<string, Promise<void>>();
    let failure: ResourceFailed | undefined;
    for (;;) {
      if (!failure) {
        for (const id of [...waiting].sort()) {
          if ([...dependencies.get(id)!].every((dep) => done.has(dep))) {
            waiting.delete(id);
            running.set(
              id,
              step(id).then(
                () => {
                  done.add(id);
                  running.delete(id);
                },
                (error: unknown) => {
                  running.delete(id);
                  failure ??= error instanceof ResourceFailed ? error : new ResourceFailed(id, error instanceof Error ? error.message : String(error));
                },
              ),
            );
          }
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    if (!failure && waiting.size > 0) failure = new ResourceFailed('(template)', `resources never became ready: ${[...waiting].join(', ')}`);
    return failure;
  }

  private isCustom(type: string): boolean {
    return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
  }

  /**
   * CloudFormation's rollback of this deploy's changes, newest first; the failed resources first (a
   * service whose deployment failed goes back to its previous task definition; in parallel, more than
   * one update can fail before the rollback starts). A resource whose rollback fails is logged and the
   * rest still rolled back (UPDATE_ROLLBACK_FAILED in CloudFormation).
   */
  private async rollBack(changes: Array<{ id: string; before?: DeployedResource; after: DeployedResource }>, failedIds: string[]): Promise<void> {
    const steps = [...changes].reverse();
    for (const failedId of failedIds) {
      const failedBefore = this.previous[failedId];
      if (failedBefore?.type === 'AWS::ECS::Service') steps.unshift({ id: failedId, before: failedBefore, after: failedBefore });
    }
    for (const { id, before, after } of steps) {
      try {
        if (!before) {
          if (this.isCustom(after.type)) await this.deleteCustomResource(id, after);
          this.deployed.delete(id);
          continue;
        }
        if (this.isCustom(before.type)) {
          // An Update with the previous properties; a different physical id in its answer means the
          // resource this deploy made is deleted after the rollback (CloudFormation's cleanup).
          const reverted = await this.applyType(id, before.type, before.properties, after);
          if (reverted.physicalId !== after.physicalId) await this.deleteCustomResource(id, after);
        } else if (before.type === 'AWS::ECS::Service') {
          const properties = before.properties as { TaskDefinition: string; DesiredCount?: number; Cluster?: string };
          await this.ecs.send(
            new UpdateServiceCommand({
              cluster: properties.Cluster,
              service: before.attributes.Name,
              taskDefinition: properties.TaskDefinition,
              desiredCount: Number(properties.DesiredCount ?? 1),
            }),
          );
          await this.waitForSteadyState(id, before.attributes.Name);
        }
        this.deployed.set(id, before);
        this.log(`UPDATE_ROLLBACK ${id}: back to its previous state`);
      } catch (error) {
        this.log(`UPDATE_ROLLBACK_FAILED ${id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.saveState(this.previous);
  }

  /** Invokes a function of the stack by logical id (as Lambda would), e.g. the rotation function. */
  async invokeFunction(logicalId: string, event: unknown, extraEnvironment: Record<string, string> = {}) {
    const fn = this.lambdaFunction(logicalId);
    return invokeLambda({ ...fn, environment: { ...fn.environment, ...extraEnvironment } }, event, await this.lambdaEnvironment());
  }

  /**
   * Runs a state machine of the stack as Step Functions would start it (docs/local-ecs.md): its
   * synthesized definition stepped through by local/cloudformation/state-machine.ts, each Lambda task the
   * function's bundled code in a process of its own (with `extraEnvironment` on top of its own),
   * each Wait scaled by `waitScale`. A StartExecution task runs the started execution to its end
   * before it returns. Returns the output of the last execution started (the rotation's, when the
   * start machine started one), every invocation's log, and the names started.
   */
  async startExecution(
    stateMachineArn: string,
    name: string,
    input: string,
    extraEnvironment: Record<string, string> = {},
    waitScale = LOCAL_WAIT_SCALE,
  ): Promise<{ output?: unknown; error?: string; log: string; started: string[] }> {
    const key = `${stateMachineArn}/${name}`;
    if (this.executions.has(key)) {
      throw { Error: 'StepFunctions.ExecutionAlreadyExistsException', Cause: `Execution Already Exists: '${name}'` };
    }
    const execution: LocalExecution = { stateMachineArn, name, status: 'RUNNING', startDate: Date.now() };
    this.executions.set(key, execution);
    const id = [...this.deployed].find(([, r]) => r.type === 'AWS::StepFunctions::StateMachine' && r.physicalId === stateMachineArn)?.[0];
    if (!id) throw new Error(`no state machine of the stack has the ARN ${stateMachineArn}`);
    const definition = JSON.parse(String((this.deployed.get(id)!.properties as { DefinitionString: string }).DefinitionString));
    let log = '';
    const started: string[] = [name];
    let last: { output?: unknown; error?: string } | undefined;
    const run = await runStateMachine(definition, JSON.parse(input), {
      invoke: async (functionArn, payload) => {
        const outcome = await this.invokeFunction(this.functionByArn(functionArn), payload, extraEnvironment);
        log += outcome.log;
        // A function's error is the task's error; a function that ended without a result, Lambda's.
        return outcome.ok
          ? { ok: true, result: outcome.result }
          : { ok: false, error: { Error: /without a result/.test(outcome.error) ? 'Lambda.Unknown' : 'Error', Cause: outcome.error } };
      },
      startExecution: async (childArn, childName, childInput) => {
        const child = await this.startExecution(childArn, childName, childInput, extraEnvironment, waitScale);
        log += child.log;
        started.push(...child.started);
        last = { output: child.output, error: child.error };
        return { ExecutionArn: `${childArn.replace(':stateMachine:', ':execution:')}:${childName}`, StartDate: new Date().toISOString() };
      },
      wait: async (seconds) => {
        await sleep(seconds * 1000 * waitScale);
      },
    }).then(
      (output) => ({ output }),
      (error) => {
        if (error instanceof StateMachineFailed) return { error: `${error.error}: ${error.cause}` };
        // The harness itself failed: the execution is not left RUNNING (which would defer every later rotation).
        this.executions.set(key, { ...execution, status: 'FAILED', error: String(error) });
        throw error;
      },
    );
    this.executions.set(key, { ...execution, ...run, status: 'error' in run ? 'FAILED' : 'SUCCEEDED' });
    return { ...(last ?? run), log, started };
  }

  /** Stops serving the functions' Step Functions calls. */
  async close(): Promise<void> {
    const front = this.sfnFront;
    this.sfnFront = undefined;
    if (front) await (await front).close();
  }

  /** The properties a deployed resource was last deployed with, resolved as its handler received them. */
  deployedProperties(logicalId: string): unknown {
    const resource = this.deployed.get(logicalId);
    if (!resource) throw new Error(`${logicalId} is not deployed`);
    return resource.properties;
  }

  /** The logical ids of the stack's resources of `type`. */
  resourcesOfType(type: string): string[] {
    return Object.entries(this.resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
  }

  // --- resolution -------------------------------------------------------------------------------

  private context(): ResolveContext {
    return {
      region: this.options.aws.region,
      accountId: ACCOUNT_ID,
      stackName: this.options.stackName,
      ref: (id) => this.attributeOf(id, 'Ref'),
      getAtt: (id, attribute) => this.attributeOf(id, attribute),
    };
  }

  /** An attribute of a deployed resource (`Ref` for its physical id), as the template would resolve it. */
  attribute(id: string, attribute: string): string {
    return this.attributeOf(id, attribute);
  }

  private attributeOf(id: string, attribute: string): string {
    // A template parameter (aws-cdk-lib's ECS-optimized AMI id, an SSM-typed parameter) answers its
    // default: the SSM path stands in for the AMI id, which only the EC2 placeholders here would read.
    const parameter = this.options.template.Parameters?.[id];
    if (parameter && attribute === 'Ref' && typeof parameter.Default === 'string') return parameter.Default;
    const resource = this.deployed.get(id);
    if (!resource) throw new Error(`${id} is referenced before it is deployed`);
    if (attribute === 'Ref') return resource.physicalId;
    const value =
      resource.attributes[attribute] ?? (resource.placeholder ? placeholderAttribute(id, resource.type, attribute, this.options.aws.region) : undefined);
    if (value === undefined) throw new Error(`${id} (${resource.type}) has no attribute ${attribute} in the local deployment`);
    return value;
  }

  /**
   * Every service registered in Cloud Map, by the name its tasks get (`<service name>.<namespace>`):
   * the local ECS keeps that name pointing at the service's running tasks (its hosts file), so a task
   * replaced at a new address is found again by name, as through Cloud Map's DNS records.
   */
  private nameCloudMapServices(): void {
    for (const [id, resource] of Object.entries(this.resources)) {
      if (resource.Type !== 'AWS::ECS::Service') continue;
      const registry = (resource.Properties?.ServiceRegistries as Array<{ RegistryArn: { 'Fn::GetAtt': [string, string] } }> | undefined)?.[0];
      if (!registry) continue;
      const discovery = this.resources[registry.RegistryArn['Fn::GetAtt'][0]];
      const namespaceRef = (discovery.Properties?.DnsConfig as { NamespaceId: { 'Fn::GetAtt': [string, string] } }).NamespaceId['Fn::GetAtt'][0];
      const fqdn = `${discovery.Properties?.Name}.${this.resources[namespaceRef].Properties?.Name}`;
      this.cloudMap[fqdn] = id;
      this.cloudMapNames[id] = fqdn;
    }
  }

  // --- resources --------------------------------------------------------------------------------

  private async apply(id: string, resource: TemplateResource, properties: any, before: DeployedResource | undefined): Promise<DeployedResource> {
    const verb = before ? 'UPDATE' : 'CREATE';
    const started = Date.now();
    let result: DeployedResource;
    try {
      result = await this.applyType(id, resource.Type, properties, before);
    } catch (error) {
      const reason = error instanceof ResourceFailed ? error.reason : error instanceof Error ? error.message : String(error);
      this.log(`${verb}_FAILED ${id} (${resource.Type}): ${reason}`);
      throw error instanceof ResourceFailed ? error : new ResourceFailed(id, reason);
    }
    // Placeholders are instant and many (VPC, IAM, logs); only what runs here is worth a line.
    if (!result.placeholder && resource.Type !== 'AWS::Lambda::Function')
      this.log(`${verb}_COMPLETE ${id} (${resource.Type}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return result;
  }

  private async applyType(id: string, type: string, properties: any, before: DeployedResource | undefined): Promise<DeployedResource> {
    const placeholder = (): DeployedResource => ({
      type,
      physicalId: before?.physicalId ?? `${this.options.stackName}-${id}`,
      attributes: {},
      placeholder: true,
      properties,
    });
    const arn = (service: string, resourcePart: string) => `arn:aws:${service}:${this.options.aws.region}:${ACCOUNT_ID}:${resourcePart}`;
    switch (type) {
      case 'AWS::Lambda::Function': {
        const name = before?.physicalId ?? `${this.options.stackName}-${id}`;
        return { type, physicalId: name, attributes: { Arn: arn('lambda', `function:${name}`) }, properties };
      }
      case 'AWS::StepFunctions::StateMachine': {
        const stateMachineArn = arn('states', `stateMachine:${this.options.stackName}-${id}`);
        return { type, physicalId: stateMachineArn, attributes: { Arn: stateMachineArn, Name: `${this.options.stackName}-${id}` }, properties };
      }
      case 'AWS::ECS::Cluster': {
        const name = `${this.options.stackName}-${id}`;
        return { type, physicalId: name, attributes: { Arn: arn('ecs', `cluster/${name}`) }, properties };
      }
      case 'AWS::SNS::Topic': {
        const topic = await this.sns.send(new CreateTopicCommand({ Name: `${this.options.stackName}-${id}` }));
        return { type, physicalId: topic.TopicArn!, attributes: { TopicArn: topic.TopicArn!, TopicName: `${this.options.stackName}-${id}` }, properties };
      }
      case 'AWS::ECS::TaskDefinition':
        return this.registerTaskDefinition(id, properties);
      case 'AWS::ECS::Service':
        return this.deployService(id, properties, before);
      case 'Custom::AWS':
        return this.awsCustomResource(id, properties, before);
      default:
        if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return this.customResource(id, type, properties, before);
        return placeholder();
    }
  }

  private noteFunction(id: string, resource: DeployedResource): void {
    if (resource.type === 'AWS::Lambda::Function') this.functionsByArn.set(resource.attributes.Arn, id);
  }

  private lambdaFunction(id: string): LambdaFunction {
    const deployed = this.deployed.get(id);
    if (!deployed || deployed.type !== 'AWS::Lambda::Function') throw new Error(`${id} is not a deployed Lambda function`);
    const properties = deployed.properties as {
      Handler: string;
      Code: { S3Key?: string };
      Environment?: { Variables?: Record<string, string> };
      Timeout?: number;
    };
    const hash = String(properties.Code.S3Key ?? '').replace(/\.zip$/, '');
    const codeDir = join(this.options.assemblyDir, `asset.${hash}`);
    if (!hash || !existsSync(codeDir)) throw new Error(`${id}: its code asset ${hash || '(none)'} is not in ${this.options.assemblyDir}`);
    return { codeDir, handler: properties.Handler, environment: properties.Environment?.Variables ?? {}, timeoutSeconds: Number(properties.Timeout ?? 3) };
  }

  private functionByArn(functionArn: string): string {
    const id = this.functionsByArn.get(functionArn);
    if (!id) throw new Error(`no function of the stack has the ARN ${functionArn}`);
    return id;
  }

  /** A Provider-framework custom resource: the user's onEvent, then isComplete until done or the waiter's total time. */
  private async customResource(id: string, type: string, properties: any, before: DeployedResource | undefined): Promise<DeployedResource> {
    const frameworkId = this.functionByArn(properties.ServiceToken);
    const framework = this.lambdaFunction(frameworkId).environment;
    const onEvent = this.functionByArn(framework.USER_ON_EVENT_FUNCTION_ARN);
    const isComplete = framework.USER_IS_COMPLETE_FUNCTION_ARN ? this.functionByArn(framework.USER_IS_COMPLETE_FUNCTION_ARN) : undefined;
    const event: Record<string, unknown> = {
      RequestType: before ? 'Update' : 'Create',
      RequestId: `local-${Date.now()}`,
      LogicalResourceId: id,
      StackId: `arn:aws:cloudformation:${this.options.aws.region}:${ACCOUNT_ID}:stack/${this.options.stackName}/local`,
      ResourceType: type,
      ResponseURL: 'http://local.invalid/',
      ServiceToken: properties.ServiceToken,
      ResourceProperties: properties,
      ...(before ? { PhysicalResourceId: before.physicalId, OldResourceProperties: before.properties } : {}),
    };
    const started = await this.invokeLogged(id, onEvent, event);
    const physicalId = String(started.PhysicalResourceId ?? before?.physicalId ?? event.RequestId);
    let data: Record<string, string> = { ...(started.Data ?? {}) };
    if (isComplete) {
      const { intervalMs, totalMs } = this.waiterTiming(framework.WAITER_STATE_MACHINE_ARN);
      const deadline = Date.now() + totalMs;
      for (;;) {
        const polled = await this.invokeLogged(id, isComplete, { ...event, PhysicalResourceId: physicalId, Data: data });
        data = { ...data, ...(polled.Data ?? {}) };
        if (polled.IsComplete) break;
        if (Date.now() + intervalMs > deadline) throw new ResourceFailed(id, 'Operation timed out');
        await sleep(intervalMs);
      }
    }
    // A new physical id replaces the resource: the old one is deleted in the cleanup phase (deploy()).
    return { type, physicalId, attributes: data, properties };
  }

  private async invokeLogged(id: string, functionId: string, event: unknown): Promise<any> {
    const outcome = await invokeLambda(this.lambdaFunction(functionId), event, await this.lambdaEnvironment());
    this.logs[id] = (this.logs[id] ?? '') + outcome.log;
    if (!outcome.ok) throw new ResourceFailed(id, `Received response status [FAILED] from custom resource. Message returned: ${outcome.error}`);
    return outcome.result ?? {};
  }

  /** The isComplete poll interval and total time from the Provider's waiter state machine; the interval shortened locally. */
  private waiterTiming(stateMachineArn: string | undefined): { intervalMs: number; totalMs: number } {
    const machine = Object.entries(this.resources).find(([mid]) => this.deployed.get(mid)?.physicalId === stateMachineArn);
    const definition = machine ? JSON.parse(String((this.deployed.get(machine[0])!.properties as { DefinitionString: string }).DefinitionString)) : undefined;
    const retry = definition?.States?.['framework-isComplete-task']?.Retry?.[0] ?? { IntervalSeconds: 5, MaxAttempts: 360 };
    const totalMs = retry.IntervalSeconds * retry.MaxAttempts * 1000;
    return { intervalMs: Math.min(this.options.pollIntervalMs ?? 2000, retry.IntervalSeconds * 1000), totalMs };
  }

  private async deleteCustomResource(id: string, resource: DeployedResource): Promise<void> {
    const properties = resource.properties as Record<string, string>;
    if (resource.type === 'Custom::AWS') return;
    const frameworkId = this.functionByArn(properties.ServiceToken);
    const onEvent = this.functionByArn(this.lambdaFunction(frameworkId).environment.USER_ON_EVENT_FUNCTION_ARN);
    await this.invokeLogged(id, onEvent, {
      RequestType: 'Delete',
      RequestId: `local-${Date.now()}`,
      LogicalResourceId: id,
      ResourceType: resource.type,
      PhysicalResourceId: resource.physicalId,
      ResourceProperties: properties,
    });
  }

  /**
   * aws-cdk-lib's AwsCustomResource: its one SDK call, made against this machine's stand-in for the
   * service: a Lambda invoke runs the stack's function here; an ECS call goes to the local ECS (any
   * operation it answers), and the answer's fields become the resource's attributes, flattened and
   * limited to `outputPaths` as the real handler does.
   */
  private async awsCustomResource(id: string, properties: any, before: DeployedResource | undefined): Promise<DeployedResource> {
    const call = JSON.parse(String(before ? (properties.Update ?? properties.Create) : properties.Create)) as {
      service: string;
      action: string;
      parameters: Record<string, any>;
      physicalResourceId?: { id?: string };
      outputPaths?: string[];
    };
    const physicalId = call.physicalResourceId?.id ?? id;
    const service = call.service.replace(/^@aws-sdk\/client-/, '').toLowerCase();
    if (service === 'lambda' && call.action === 'invoke') {
      const target = [...this.deployed].find(([, r]) => r.type === 'AWS::Lambda::Function' && r.physicalId === call.parameters.FunctionName)?.[0];
      if (!target) throw new ResourceFailed(id, `no function named ${call.parameters.FunctionName}`);
      const outcome = await this.invokeFunction(target, call.parameters.Payload ? JSON.parse(call.parameters.Payload) : {});
      this.logs[id] = outcome.log;
      // InvocationType Event: the resource succeeds whatever the function then does.
      this.log(`  ${id} invoked ${target}: ${outcome.ok ? JSON.stringify(outcome.result) : `failed: ${outcome.error}`}`);
      return { type: 'Custom::AWS', physicalId, attributes: {}, properties };
    }
    if (service === 'sfn' && call.action === 'startExecution') {
      // The deploy waits for the whole execution here; Step Functions would return at once (docs/local-ecs.md).
      const run = await this.startExecution(call.parameters.stateMachineArn, call.parameters.name ?? `deploy-${Date.now()}`, call.parameters.input ?? '{}');
      this.logs[id] = run.log;
      this.log(`  ${id} started ${call.parameters.stateMachineArn}: ${JSON.stringify(run.output ?? run.error)}`);
      return { type: 'Custom::AWS', physicalId, attributes: {}, properties };
    }
    if (service === 'ecs') {
      const operation = `${call.action.charAt(0).toUpperCase()}${call.action.slice(1).replace(/Command$/, '')}`;
      const Command = (ecsCommands as Record<string, any>)[`${operation}Command`];
      if (typeof Command !== 'function') throw new ResourceFailed(id, `ECS has no operation ${call.action}`);
      let answer: Record<string, unknown>;
      try {
        answer = (await this.ecs.send(new Command(call.parameters))) as unknown as Record<string, unknown>;
      } catch (error) {
        throw new ResourceFailed(id, `ECS.${operation}: ${error instanceof Error ? error.message : String(error)}`);
      }
      const { $metadata: _metadata, ...response } = answer;
      const attributes = selectOutputPaths(flattenResponse(response), call.outputPaths);
      this.log(`  ${id} called ECS.${operation}: ${JSON.stringify(attributes)}`);
      return { type: 'Custom::AWS', physicalId, attributes, properties };
    }
    throw new ResourceFailed(id, `the local deployment runs Lambda invoke and ECS calls only, not ${call.service}.${call.action}`);
  }

  private async registerTaskDefinition(id: string, properties: any): Promise<DeployedResource> {
    const containers = (properties.ContainerDefinitions as any[]).map((c) => ({
      name: c.Name,
      image: c.Image,
      essential: c.Essential ?? true,
      memory: c.Memory,
      memoryReservation: c.MemoryReservation,
      stopTimeout: c.StopTimeout,
      entryPoint: c.EntryPoint,
      command: c.Command,
      environment: (c.Environment ?? []).map((e: any) => ({ name: e.Name, value: e.Value })),
      secrets: (c.Secrets ?? []).map((s: any) => ({ name: s.Name, valueFrom: s.ValueFrom })),
      mountPoints: (c.MountPoints ?? []).map((m: any) => ({ sourceVolume: m.SourceVolume, containerPath: m.ContainerPath, readOnly: m.ReadOnly })),
      healthCheck: c.HealthCheck
        ? {
            command: c.HealthCheck.Command,
            interval: c.HealthCheck.Interval,
            timeout: c.HealthCheck.Timeout,
            retries: c.HealthCheck.Retries,
            startPeriod: c.HealthCheck.StartPeriod,
          }
        : undefined,
    }));
    const registered = await this.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: properties.Family ?? `${this.options.stackName}-${id}`,
        memory: properties.Memory === undefined ? undefined : String(properties.Memory),
        containerDefinitions: containers,
        volumes: (properties.Volumes ?? []).map((v: any) => ({
          name: v.Name,
          ...(v.EFSVolumeConfiguration
            ? {
                efsVolumeConfiguration: {
                  fileSystemId: v.EFSVolumeConfiguration.FilesystemId,
                  authorizationConfig: { accessPointId: v.EFSVolumeConfiguration.AuthorizationConfig?.AccessPointId },
                },
              }
            : {}),
          ...(v.Host ? { host: { sourcePath: v.Host.SourcePath } } : {}),
        })),
      }),
    );
    const taskDefinitionArn = registered.taskDefinition!.taskDefinitionArn!;
    return { type: 'AWS::ECS::TaskDefinition', physicalId: taskDefinitionArn, attributes: { TaskDefinitionArn: taskDefinitionArn }, properties };
  }

  private async deployService(id: string, properties: any, before: DeployedResource | undefined): Promise<DeployedResource> {
    const configuration = properties.DeploymentConfiguration ?? {};
    const serviceName = before?.attributes.Name ?? `${this.options.stackName}-${id}`;
    const cloudMapName = this.cloudMapNames[id];
    let answer;
    if (before) {
      answer = await this.ecs.send(
        new UpdateServiceCommand({
          cluster: properties.Cluster,
          service: serviceName,
          taskDefinition: properties.TaskDefinition,
          desiredCount: Number(properties.DesiredCount ?? 1),
        }),
      );
    } else {
      answer = await this.ecs.send(
        new CreateServiceCommand({
          cluster: properties.Cluster,
          serviceName,
          taskDefinition: properties.TaskDefinition,
          desiredCount: Number(properties.DesiredCount ?? 1),
          deploymentConfiguration: {
            minimumHealthyPercent: configuration.MinimumHealthyPercent,
            maximumPercent: configuration.MaximumPercent,
            deploymentCircuitBreaker: configuration.DeploymentCircuitBreaker
              ? { enable: configuration.DeploymentCircuitBreaker.Enable, rollback: configuration.DeploymentCircuitBreaker.Rollback }
              : undefined,
          },
          tags: cloudMapName ? [{ key: CLOUD_MAP_NAME_TAG, value: cloudMapName }] : undefined,
        }),
      );
    }
    const serviceArn = await this.waitForSteadyState(id, serviceName, answer.service?.deployments?.find((d) => d.status === 'PRIMARY')?.id);
    return { type: 'AWS::ECS::Service', physicalId: serviceArn, attributes: { Name: serviceName, ServiceArn: serviceArn }, properties };
  }

  /**
   * CloudFormation's wait on a service: the deployment this change started completed (and is the only
   * one), or failed (the circuit breaker), which fails the resource even while ECS rolls itself back.
   */
  private async waitForSteadyState(id: string, serviceName: string, deploymentId?: string): Promise<string> {
    const deadline = Date.now() + (this.options.serviceStableTimeoutMs ?? 600_000);
    for (;;) {
      const { services } = await this.ecs.send(new DescribeServicesCommand({ services: [serviceName] }));
      const service = services?.[0];
      const primary = service?.deployments?.find((d) => d.status === 'PRIMARY');
      const watched = deploymentId === undefined ? primary : service?.deployments?.find((d) => d.id === deploymentId);
      if (deploymentId !== undefined && watched === undefined && primary?.rolloutState === 'COMPLETED') {
        throw new ResourceFailed(id, `the deployment of service ${serviceName} was replaced before it completed`);
      }
      if (watched?.rolloutState === 'FAILED')
        throw new ResourceFailed(id, `Error occurred during operation 'ECS Deployment Circuit Breaker was triggered': ${watched.rolloutStateReason}`);
      if (service && watched?.rolloutState === 'COMPLETED' && service.deployments!.length === 1) return service.serviceArn!;
      if (Date.now() > deadline)
        throw new ResourceFailed(
          id,
          `service ${serviceName} did not stabilize within ${Math.round((this.options.serviceStableTimeoutMs ?? 600_000) / 1000)} s`,
        );
      await sleep(500);
    }
  }

  private async deleteDropped(): Promise<void> {
    for (const [id, resource] of Object.entries(this.previous).reverse()) {
      if (this.resources[id] || !resource.type.startsWith('Custom::')) continue;
      this.log(`DELETE_IN_PROGRESS ${id}`);
      await this.deleteCustomResource(id, resource);
    }
  }

  private outputs(): Record<string, string> {
    const outputs: Record<string, string> = {};
    for (const [name, output] of Object.entries(this.options.template.Outputs ?? {})) {
      outputs[name] = String(resolveValue(output.Value, this.context(), `Outputs.${name}`));
    }
    return outputs;
  }

  private saveState(state: Record<string, DeployedResource>): void {
    writeFileSync(this.options.statePath, JSON.stringify(state, null, 2), { mode: 0o600 });
  }
}

/** An attribute CloudFormation would give a resource this machine has no stand-in for: a plausible placeholder. */
function placeholderAttribute(id: string, type: string, attribute: string, region: string): string {
  const service = type.split('::')[1]?.toLowerCase() ?? 'local';
  return attribute.endsWith('Arn') ? `arn:aws:${service}:${region}:${ACCOUNT_ID}:${id}` : `${id}-${attribute}`;
}

/** An SDK answer as AwsCustomResource's attributes: nested fields under dotted paths (`tasks.0.taskArn`). */
function flattenResponse(value: unknown, prefix = ''): Record<string, string> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || value instanceof Date) return { [prefix]: value instanceof Date ? value.toISOString() : String(value) };
  const flat: Record<string, string> = {};
  for (const [key, inner] of Object.entries(value)) Object.assign(flat, flattenResponse(inner, prefix ? `${prefix}.${key}` : key));
  return flat;
}

/** Only the attributes under `outputPaths` (all when none is given), as AwsCustomResource keeps them. */
function selectOutputPaths(flat: Record<string, string>, outputPaths: string[] | undefined): Record<string, string> {
  if (!outputPaths) return flat;
  return Object.fromEntries(Object.entries(flat).filter(([path]) => outputPaths.some((wanted) => path === wanted || path.startsWith(`${wanted}.`))));
}
