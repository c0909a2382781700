import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ImageMirror } from '../choices/image-mirror';
import { MinioBackend } from '../choices/minio-backend';
import { ProvisionedMinioServer } from './provisioned-minio-server';
import { ClusterCredentials } from './cluster-credentials';

export interface MinioStoreProps {
  readonly backend: MinioBackend;
  readonly credentials: ClusterCredentials;
  readonly cluster: ecs.Cluster;
  readonly port: number;
  readonly logRetention: logs.RetentionDays;
  readonly imageMirror?: ImageMirror;
}

/**
 * The MinIO the cluster mounts: an endpoint the user runs (nothing is created), or a server this
 * construct provisions whose root user is the generated key pair.
 */
export class MinioStore extends Construct {
  /** The S3 endpoint URL Alluxio, the checks and rotation use. */
  public readonly endpoint: string;
  /** The provisioned server, when the construct runs MinIO itself. */
  public readonly server?: ProvisionedMinioServer;
  private readonly port: number;

  constructor(scope: Construct, id: string, props: MinioStoreProps) {
    super(scope, id);
    this.port = props.port;
    const built = props.backend._bind().createServer(this, {
      cluster: props.cluster,
      rootUserParameter: props.credentials.accessKeyParameter,
      rootPasswordParameter: props.credentials.secretKeyParameter,
      kmsKey: props.credentials.kmsKey,
      port: props.port,
      logRetention: props.logRetention,
      imageMirror: props.imageMirror,
    });
    this.endpoint = built.endpoint;
    this.server = built.server;
    this.server?.node.addDependency(props.credentials);
  }

  /**
   * Lets `client` reach the S3 port of a provisioned MinIO. An existing MinIO's network is the user's:
   * they admit `AlluxioMinio.minioClients` themselves.
   */
  public allowFrom(client: ec2.IConnectable, description: string): void {
    this.server?.connections.allowFrom(client, ec2.Port.tcp(this.port), description);
  }
}
