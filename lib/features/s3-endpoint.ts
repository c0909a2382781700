import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ALLUXIO_PORTS, alluxioProxyCommand, OFFICIAL_IMAGE_LAYOUT, SITE_PROPERTIES_SECRET } from '../core/alluxio-container';
import { InputError } from '../core/input-error';
import { checkS3ClientPeer, resolveS3EndpointSettings, S3_ENDPOINT_CLOUD_MAP_NAME, s3EndpointUrl, S3EndpointSettings } from '../core/s3-endpoint';
import { acknowledgeNagFindings } from '../private/nag-acknowledgements';
import { tcpHealthCheck } from '../parts/alluxio-services';

/**
 * An S3 endpoint through the cache: Alluxio 2.9's proxy serving the S3 API. Buckets are the
 * top-level directories of Alluxio's namespace (under the root mount: `<bucket>/<directory>/<name>/`
 * in MinIO), not the MinIO bucket itself.
 *
 * Alluxio 2.9's S3 API checks no signature: it takes the access key id of the Authorization header as
 * the Alluxio user and ignores the secret, so whoever reaches the port can act as any user and read and
 * write what that user may under the root mount. Only the peers given to `allowS3ClientsFrom` reach it.
 */
export interface S3EndpointOptions {
  /**
   * Run the proxy. Off by default: the endpoint authenticates no one, and costs a task.
   *
   * @default false
   */
  readonly enabled?: boolean;
  /**
   * The port the endpoint listens on (`alluxio.proxy.web.port`). Not one of the master's and
   * workers' ports (19200, 19998-30003).
   *
   * @default 39999
   */
  readonly port?: number;
  /**
   * CPU units of each proxy task (Fargate sizes).
   *
   * @default 1024
   */
  readonly proxyCpu?: number;
  /**
   * Memory of each proxy task in MiB; must pair with `proxyCpu` on Fargate. The proxy's JVM gets
   * heap and direct-memory limits derived from it.
   *
   * @default 2048
   */
  readonly proxyMemoryMiB?: number;
  /**
   * How many proxy tasks run behind the endpoint's Cloud Map name (each is stateless: the data is in
   * the workers and MinIO).
   *
   * @default 1
   */
  readonly desiredCount?: number;
}

/** Props of {@link AlluxioS3Endpoint}: the cluster it joins and what its tasks share with the master and workers. */
export interface AlluxioS3EndpointProps {
  /** The endpoint's settings. Must be enabled (`enabled: true`). */
  readonly options: S3EndpointOptions;
  /** The ECS cluster of the master and workers; its default Cloud Map namespace names the endpoint. */
  readonly cluster: ecs.ICluster;
  /** The DNS name of that namespace (`s3.<namespace>` is the endpoint's host). */
  readonly namespaceName: string;
  /** The VPC the proxy runs in (its private subnets). */
  readonly vpc: ec2.IVpc;
  /** The master's and workers' security group: the proxy is their client (master RPC, worker RPC). */
  readonly alluxioSecurityGroup: ec2.ISecurityGroup;
  /** The Alluxio image the master and workers run. */
  readonly image: ecs.ContainerImage;
  /** The log group of the Alluxio containers (the proxy logs under the `s3-proxy` prefix). */
  readonly logGroup: logs.ILogGroup;
  /**
   * The rendered alluxio-site.properties without the MinIO keys (the proxy is a client of the master
   * and workers, which alone read and write MinIO); the container's ALLUXIO_SITE_PROPERTIES.
   */
  readonly siteProperties: ecs.Secret;
  /** The hash of the rendered configuration: a change rolls the proxy's tasks with the others. */
  readonly configHash: string;
}

/**
 * Alluxio's S3 API (the proxy) as an ECS service with a Cloud Map name, reachable only from the
 * peers given to `allowS3ClientsFrom`.
 */
export class AlluxioS3Endpoint extends Construct implements ec2.IConnectable {
  /** The proxy service. */
  public readonly service: ecs.FargateService;
  /** The URL S3 clients take as their endpoint: `http://s3.<namespace>:<port>/api/v1/s3` (path-style). */
  public readonly url: string;
  /** The port the endpoint listens on. */
  public readonly port: number;
  /** The proxy tasks' security group; its default port is the endpoint's. */
  public readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, props: AlluxioS3EndpointProps) {
    super(scope, id);
    const settings: S3EndpointSettings | undefined = resolveS3EndpointSettings(props.options);
    if (!settings) {
      throw new InputError('s3Endpoint.enabled', 'is not true, yet an S3 endpoint was asked for', 'pass s3Endpoint: { enabled: true }');
    }
    this.port = settings.port;
    // A Cloud Map name rather than a load balancer: clients inside the VPC resolve it to the tasks'
    // addresses (one record per task), which costs nothing beyond the namespace the cluster has, and
    // an internal NLB would add an hourly charge and one more hop for every object byte.
    this.url = s3EndpointUrl(`${S3_ENDPOINT_CLOUD_MAP_NAME}.${props.namespaceName}`, settings.port);

    const securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Alluxio S3 endpoint (proxy); reachable only from the peers given to allowS3ClientsFrom',
      allowAllOutbound: true,
    });
    this.connections = new ec2.Connections({ securityGroups: [securityGroup], defaultPort: ec2.Port.tcp(settings.port) });
    props.alluxioSecurityGroup.connections.allowFrom(securityGroup, ec2.Port.tcp(ALLUXIO_PORTS.masterRpc), 'S3 endpoint to the master');
    props.alluxioSecurityGroup.connections.allowFrom(securityGroup, ec2.Port.tcp(ALLUXIO_PORTS.workerRpc), 'S3 endpoint to the workers');

    const taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: settings.proxyCpu,
      memoryLimitMiB: settings.proxyMemoryMiB,
    });
    taskDefinition.addContainer('proxy', {
      image: props.image,
      essential: true,
      entryPoint: ['/bin/sh', '-c'],
      command: [alluxioProxyCommand(OFFICIAL_IMAGE_LAYOUT, { port: settings.port })],
      environment: { ALLUXIO_CONFIG_HASH: props.configHash, ...settings.jvmOptions },
      secrets: { [SITE_PROPERTIES_SECRET]: props.siteProperties },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 's3-proxy' }),
      portMappings: [{ containerPort: settings.port }],
      // The proxy holds no journal and no cache: it is up in well under a minute.
      healthCheck: tcpHealthCheck(settings.port, Duration.seconds(60)),
    });
    acknowledgeNagFindings(taskDefinition, [
      {
        id: 'AwsSolutions-ECS2',
        reason: 'ALLUXIO_CONFIG_HASH and the JVM memory options are non-secret; the properties come from SSM as a secret.',
      },
    ]);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: props.cluster,
      taskDefinition,
      desiredCount: settings.desiredCount,
      securityGroups: [securityGroup],
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      assignPublicIp: false,
      circuitBreaker: { enable: true, rollback: true },
      // Stateless: a new task starts before an old one stops, so the endpoint stays up through a deploy.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      cloudMapOptions: { name: S3_ENDPOINT_CLOUD_MAP_NAME, dnsTtl: Duration.seconds(10) },
    });
  }

  /** The proxy's task definition (its execution role reads the key-free site properties). */
  public get taskDefinition(): ecs.TaskDefinition {
    return this.service.taskDefinition;
  }

  /**
   * Lets `peer` reach the endpoint's port, and nothing else. A peer standing for every address
   * (`0.0.0.0/0`, `::/0`) is refused: the endpoint checks no signature.
   */
  public allowS3ClientsFrom(peer: ec2.IConnectable): void {
    // A CIDR peer (ec2.Peer.ipv4(...), anyIpv4()) is its own id; a security group's is a construct id.
    const uniqueId = (peer as Partial<ec2.IPeer>).uniqueId;
    if (typeof uniqueId === 'string') checkS3ClientPeer(uniqueId);
    this.connections.allowDefaultPortFrom(peer, 'S3 client to the Alluxio S3 endpoint');
  }
}
