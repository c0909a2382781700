import {
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  KeyValuePair,
  RegisterTaskDefinitionCommand,
  Service,
} from '@aws-sdk/client-ecs';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { parseRenderProperties } from '../../lib/core/custom-resource-props';
import { renderSiteProperties } from '../../lib/core/site-properties';
import { ssmClient } from '../../local/alluxio/local-cluster';
import { CLOUD_MAP_NAME_TAG } from '../../local/ecs/local-ecs';
import { eventually, TestCluster } from './local-cluster';
import { loadSandbox } from './sandbox';

/** What a variant changes in the deployed task definition of a role; the rest is copied. */
export interface TaskVariant {
  /** The container's command (default: the deployed one, the construct's start script). */
  readonly command?: string;
  /** The container's whole environment, in place of the deployed one. */
  readonly environment?: KeyValuePair[];
  /** Variables set over the deployed environment (the rest kept). */
  readonly environmentOverrides?: Record<string, string>;
  /**
   * Volumes of its own: each deployed volume (the master's journal is on EFS, shared by every task that
   * names it) becomes a volume of the same name that the local ECS keeps for this service alone.
   */
  readonly ownVolumes?: boolean;
  /** An SSM parameter holding the site file the container starts from, in place of the deployed one. */
  readonly sitePropertiesFrom?: string;
}

/**
 * Extra ECS services beside a deployed test cluster, through the local ECS's own API: variants of the
 * deployed master or worker task, run under the same stand-in image and start scripts, for what the
 * construct cannot deploy (a start script as it was before a fix, a heap below what it allows).
 */
export class ExtraServices {
  private readonly ecs: ECSClient;

  constructor(private readonly local: TestCluster) {
    const { aws } = loadSandbox();
    this.ecs = new ECSClient({
      endpoint: local.cluster.ecsEndpoint,
      region: aws.region,
      credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
    });
  }

  /** Registers `family`: the deployed task definition of `role` with its container changed as `variant` says. */
  async variantOf(role: 'master' | 'worker', family: string, variant: TaskVariant): Promise<string> {
    if (variant.environment && variant.environmentOverrides) throw new Error('a variant takes a whole environment or overrides, not both');
    const service = this.local.cluster.serviceName(role);
    const deployed = this.local.cluster.ecs!.tasksOf(service)[0].taskDefinition;
    const { taskDefinition } = await this.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: deployed }));
    const [container] = taskDefinition!.containerDefinitions!;
    const registered = await this.ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        volumes: variant.ownVolumes ? taskDefinition!.volumes?.map(({ name }) => ({ name })) : taskDefinition!.volumes,
        containerDefinitions: [
          {
            ...container,
            command: variant.command !== undefined ? [variant.command] : container.command,
            environment: variant.environment ?? overridden(container.environment ?? [], variant.environmentOverrides ?? {}),
            secrets: variant.sitePropertiesFrom ? [{ name: 'ALLUXIO_SITE_PROPERTIES', valueFrom: variant.sitePropertiesFrom }] : container.secrets,
          },
        ],
      }),
    );
    return registered.taskDefinition!.taskDefinitionArn!;
  }

  /** Runs one task of `taskDefinition` as service `name` (named `cloudMapName` in the local hosts file); resolves to its address. */
  async run(name: string, taskDefinition: string, cloudMapName?: string): Promise<string> {
    await this.ecs.send(
      new CreateServiceCommand({
        serviceName: name,
        taskDefinition,
        desiredCount: 1,
        deploymentConfiguration: { minimumHealthyPercent: 0, maximumPercent: 100 },
        tags: cloudMapName ? [{ key: CLOUD_MAP_NAME_TAG, value: cloudMapName }] : undefined,
      }),
    );
    return eventually(`a task of ${name} runs`, 30_000, async () => this.local.cluster.ecs!.tasksOf(name).find((t) => t.status === 'RUNNING')?.address);
  }

  /**
   * The deployed site file rendered again for a master of its own (named `masterHostname`) mounting
   * `directory` of the same bucket, put in a SecureString parameter whose name it returns. Its journal is
   * the deployed one's (on the variant task's own volume), or none with `journalKeys: false`. For a
   * cluster of one master: the layout of a quorum would stay beside the name.
   */
  async siteFileForOwnMaster(
    name: string,
    options: { masterHostname: string; directory: string; journalKeys?: boolean },
  ): Promise<{ parameter: string; text: string }> {
    const resource = Object.values(this.local.cluster.template.Resources).find((r) => r.Type === 'Custom::AlluxioSiteProperties')!;
    const request = parseRenderProperties((resource.Properties ?? {}) as Record<string, unknown>);
    const { journal, ...layout } = request.settings.cluster!;
    const text = renderSiteProperties({
      ...request.settings,
      minio: { ...request.settings.minio, endpoint: this.local.minio.endpoint, directory: options.directory },
      cluster: { ...layout, ...(options.journalKeys === false ? {} : { journal }), masterHostname: options.masterHostname },
      accessKeyId: this.local.minio.accessKeyId,
      secretKey: this.local.minio.secretAccessKey,
    });
    const parameter = `${this.local.parameters.prefix}/${name}`;
    const ssm = ssmClient(loadSandbox().aws);
    await ssm.send(new PutParameterCommand({ Name: parameter, Value: text, Type: 'SecureString', Overwrite: true }));
    ssm.destroy();
    return { parameter, text };
  }

  /** The local ECS's description of service `name`. */
  async describe(name: string): Promise<Service> {
    const { services } = await this.ecs.send(new DescribeServicesCommand({ services: [name] }));
    return services![0];
  }

  destroy(): void {
    this.ecs.destroy();
  }
}

function overridden(environment: KeyValuePair[], overrides: Record<string, string>): KeyValuePair[] {
  const kept = environment.filter(({ name }) => name === undefined || !(name in overrides));
  return [...kept, ...Object.entries(overrides).map(([name, value]) => ({ name, value }))];
}
