import { CustomResource } from 'aws-cdk-lib';
import { Construct, IDependable } from 'constructs';
import { CustomResourceFunctions } from './custom-resource-functions';
import { MinioBackend } from '../choices/minio-backend';
import { ClusterCredentials } from './cluster-credentials';
import { MinioStore } from './minio-store';

export interface DeployChecksProps {
  readonly functions: CustomResourceFunctions;
  readonly credentials: ClusterCredentials;
  readonly store: MinioStore;
  readonly backend: MinioBackend;
  readonly alluxioVersion: string;
  readonly timeoutSeconds: number;
  /** The configuration's hash: a new configuration runs both checks again. */
  readonly configHash: string;
}

/**
 * The deploy's two health checks, both through the health-check handler: MinIO reachable with the
 * bucket present before Alluxio starts, and Alluxio serving the MinIO root mount after it has.
 */
export class DeployChecks extends Construct {
  /** The check that MinIO answers with the keys and the bucket exists; the Alluxio services start after it. */
  public readonly minioCheck: CustomResource;
  private readonly props: DeployChecksProps;
  private alluxioCheck?: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: DeployChecksProps) {
    super(scope, id);
    this.props = props;
    this.minioCheck = new CustomResource(this, 'MinioCheck', {
      serviceToken: props.functions.healthCheckServiceToken,
      resourceType: 'Custom::AlluxioMinioHealthCheck',
      serviceTimeout: props.functions.healthCheckServiceTimeout,
      properties: {
        ...this.locationProperties(),
        EnsureBucket: String(props.backend.createBucket),
        // Alluxio cannot create a directory under a root that has no marker object.
        EnsureDirectory: 'true',
        ConfigHash: props.configHash,
      },
    });
    this.minioCheck.node.addDependency(props.credentials, props.store);
  }

  /**
   * The check that passes only when the leading master serves the MinIO root mount and lists
   * `expectedWorkers` live workers. `webEndpoints` are the masters' web `host:port`: with one, that
   * master; with several, the leader is the one answering (standbys serve no web port).
   */
  public addAlluxioCheck(webEndpoints: string[], expectedWorkers: number, after: IDependable[]): CustomResource {
    if (webEndpoints.length === 0) throw new Error('addAlluxioCheck needs the web endpoint of at least one master');
    this.alluxioCheck = {
      ...this.locationProperties(),
      EnsureBucket: 'false',
      // One entry is the single master's address exactly as before; a quorum's are comma-separated.
      AlluxioMaster: webEndpoints.join(','),
      ExpectedWorkers: String(expectedWorkers),
      ConfigHash: this.props.configHash,
    };
    const check = new CustomResource(this, 'AlluxioCheck', {
      serviceToken: this.props.functions.healthCheckServiceToken,
      resourceType: 'Custom::AlluxioMinioHealthCheck',
      serviceTimeout: this.props.functions.healthCheckServiceTimeout,
      properties: this.alluxioCheck,
    });
    check.node.addDependency(...after);
    return check;
  }

  /**
   * The properties the Alluxio check runs with, once added: the poll function, invoked with them as a
   * Create event, checks the running cluster again (the integration tests' assertion does).
   */
  public get alluxioCheckProperties(): Readonly<Record<string, string>> | undefined {
    return this.alluxioCheck;
  }

  private locationProperties() {
    const { credentials, store, backend } = this.props;
    return {
      AccessKeyParameterName: credentials.accessKeyParameterName,
      SecretKeyParameterName: credentials.secretKeyParameterName,
      Endpoint: store.endpoint,
      Bucket: backend.bucket,
      Directory: backend.directory,
      Region: backend.region,
      AlluxioVersion: this.props.alluxioVersion,
      TimeoutSeconds: String(this.props.timeoutSeconds),
    };
  }
}
