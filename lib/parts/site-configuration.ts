import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { keyFreeSitePropertiesBaseName, renderResourceProperties, RenderSettingsSource } from '../core/custom-resource-props';
import { CustomResourceFunctions } from './custom-resource-functions';
import { acknowledgeNagFindings, parameterPathWildcardFinding } from '../private/nag-acknowledgements';
import { allowDescribeParameters, ClusterCredentials } from './cluster-credentials';

export interface SiteConfigurationProps {
  readonly credentials: ClusterCredentials;
  readonly functions: CustomResourceFunctions;
  /** The base of the configuration parameters: each configuration is written to `<base>/<generation>`. */
  readonly parameterBaseName: string;
  /** What the site file says besides the keys (the keys are read from SSM by the render handler). */
  readonly settings: RenderSettingsSource;
  /** The user consented to a deploy that moves the masters to the other journal (JournalMigration). */
  readonly journalMigration?: boolean;
}

/**
 * The rendered `alluxio-site.properties`: the render resource writes each configuration to its own
 * SecureString parameter, which the master and worker tasks read as their `ALLUXIO_SITE_PROPERTIES`
 * secret, and the same file without the MinIO keys to a parameter of its own, which the clients of
 * the master (the S3 proxy, the preload task) read instead.
 */
export class SiteConfiguration extends Construct {
  /** This deploy's configuration: the parameter its task definitions name. */
  public readonly parameter: ssm.IStringParameter;
  /** The base name the CLI and rotation take; every configuration is `<base>/<generation>`. */
  public readonly parameterBaseName: string;
  /**
   * The hash of the rendered, secret-free configuration: in every task definition, so any change
   * (configuration or a new credential version) makes CloudFormation roll the tasks.
   */
  public readonly configHash: string;
  /** The task secret that carries the configuration into a master or worker container. */
  public readonly secret: ecs.Secret;
  /**
   * The task secret that carries this configuration without the MinIO keys: for the containers that
   * only talk to Alluxio (the S3 proxy, the preload task), whose roles never read `secret`.
   */
  public readonly keyFreeSecret: ecs.Secret;

  private readonly everyConfigurationArns: string[];
  private readonly everyKeyFreeConfigurationArns: string[];
  private readonly keyFreeBaseName: string;

  constructor(scope: Construct, id: string, props: SiteConfigurationProps) {
    super(scope, id);
    this.parameterBaseName = props.parameterBaseName;
    const credentials = props.credentials;
    const kmsKey = credentials.kmsKey;
    // 'Default' keeps the resource's logical id what it was before the construct had parts.
    const render = new CustomResource(this, 'Default', {
      serviceToken: props.functions.renderServiceToken,
      resourceType: 'Custom::AlluxioSiteProperties',
      serviceTimeout: Duration.minutes(5),
      properties: renderResourceProperties(
        { accessKey: credentials.accessKeyParameterName, secretKey: credentials.secretKeyParameterName, siteProperties: props.parameterBaseName },
        kmsKey?.keyArn,
        props.settings,
        { journalMigration: props.journalMigration },
      ),
    });
    render.node.addDependency(credentials);
    // A rollback that relaunches an older task definition reads the older configuration it was deployed with.
    this.parameter = ssm.StringParameter.fromSecureStringParameterAttributes(this, 'Parameter', {
      parameterName: render.getAttString('ParameterName'),
      simpleName: false,
      encryptionKey: kmsKey,
    });
    this.configHash = render.getAttString('ConfigHash');
    this.secret = ecs.Secret.fromSsmParameter(this.parameter);
    const keyFreeParameter = ssm.StringParameter.fromSecureStringParameterAttributes(this, 'KeyFreeParameter', {
      parameterName: render.getAttString('KeyFreeParameterName'),
      simpleName: false,
      encryptionKey: kmsKey,
    });
    this.keyFreeSecret = ecs.Secret.fromSsmParameter(keyFreeParameter);

    const parameterArn = (name: string) => Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') });
    // The base itself is included: an earlier version of the construct wrote the configuration there.
    this.everyConfigurationArns = [props.parameterBaseName, `${props.parameterBaseName}/*`].map(parameterArn);
    this.keyFreeBaseName = keyFreeSitePropertiesBaseName(props.parameterBaseName);
    this.everyKeyFreeConfigurationArns = [parameterArn(`${this.keyFreeBaseName}/*`)];
    const renderRole = props.functions.renderRole;
    renderRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:GetParameter'],
        resources: [...this.everyConfigurationArns, ...this.everyKeyFreeConfigurationArns],
      }),
    );
    acknowledgeNagFindings(renderRole, [
      {
        id: parameterPathWildcardFinding(this, props.parameterBaseName),
        reason: 'One parameter per rendered configuration under this prefix; the render resource writes the new one and deletes the old one after the update.',
      },
      {
        id: parameterPathWildcardFinding(this, this.keyFreeBaseName),
        reason: 'The key-free twin of each rendered configuration; written and deleted with it.',
      },
    ]);
    // The tier of the existing site-properties parameter (Standard or Advanced) is only visible here.
    allowDescribeParameters(renderRole);
    kmsKey?.grantEncrypt(renderRole);
  }

  /**
   * ECS reads a task's secrets with the execution role when the task starts. A rollback relaunches the
   * previous task definition, which names the previous configuration's parameter; the grant that
   * ecs.Secret adds covers only this deploy's, so the role may read every configuration of this
   * deployment.
   */
  public grantReadEveryConfiguration(taskDefinition: ecs.TaskDefinition): void {
    this.grantReadParameters(taskDefinition, this.everyConfigurationArns, this.parameterBaseName, 'parameter');
  }

  /**
   * grantReadEveryConfiguration for a task that gets `keyFreeSecret`: every key-free configuration of
   * this deployment, and none that holds the keys.
   */
  public grantReadEveryKeyFreeConfiguration(taskDefinition: ecs.TaskDefinition): void {
    this.grantReadParameters(taskDefinition, this.everyKeyFreeConfigurationArns, this.keyFreeBaseName, 'key-free parameter');
  }

  /** Lets the task's execution role read the parameters `arns` (all under `baseName`), acknowledging the path wildcard. */
  private grantReadParameters(taskDefinition: ecs.TaskDefinition, arns: string[], baseName: string, kind: string): void {
    taskDefinition.addToExecutionRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameters', 'ssm:GetParameter'], resources: arns }));
    acknowledgeNagFindings(taskDefinition.obtainExecutionRole(), [
      {
        id: parameterPathWildcardFinding(this, baseName),
        reason: `One ${kind} per rendered configuration of this deployment; a rolled-back task reads its own configuration's.`,
      },
    ]);
  }
}
