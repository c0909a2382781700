import { RemovalPolicy, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';

// The options of MinioBackend's two kinds, apart from the class: the provisioned server (a part)
// reads them, and the class builds that part, so the class's file cannot be the one both import.

/** A MinIO server that already runs somewhere the cluster's VPC can reach. */
export interface ExistingMinioOptions {
  /**
   * The S3 endpoint, `http(s)://host[:port][/]`, exactly as `alluxio.underfs.s3.endpoint` takes it.
   * A missing port means 80 for http and 443 for https.
   */
  readonly endpoint: string;
  /** The bucket that becomes Alluxio's root mount. */
  readonly bucket: string;
  /**
   * The directory inside the bucket that becomes Alluxio's root.
   *
   * @default - the bucket's root
   */
  readonly directory?: string;
  /**
   * The region MinIO signs requests for.
   *
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * Create the bucket and directory at deploy time when they are missing (idempotent).
   *
   * @default false - the deploy fails with NO_SUCH_BUCKET when the bucket is missing
   */
  readonly createBucket?: boolean;
}

/** A single-node MinIO this construct runs on ECS with EC2 capacity and a persistent EBS volume. */
export interface ProvisionedMinioOptions {
  /**
   * The MinIO server image. MinIO's community edition stopped publishing images in October 2025;
   * point this at an image you build or mirror.
   *
   * @default - `MinioBackend.DEFAULT_IMAGE_NAME` from its registry (the last community release, pinned)
   */
  readonly image?: ecs.ContainerImage;
  /**
   * The EC2 instance type the MinIO task runs on.
   *
   * @default t3.medium
   */
  readonly instanceType?: ec2.InstanceType;
  /**
   * Size of the encrypted gp3 data volume (formatted XFS). A larger size grows the volume in place
   * and the host grows its file system within 10 minutes; EBS volumes cannot shrink.
   *
   * @default 100 GiB
   */
  readonly dataVolumeSize?: Size;
  /**
   * What happens to the data volume when the stack deletes it.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly dataVolumeRemovalPolicy?: RemovalPolicy;
  /**
   * The availability zone of the data volume, and so of the MinIO host and task. A volume created in
   * another AZ is a new, empty volume: pin it when the VPC is yours, so a change of its subnets
   * (another order, a new AZ) cannot move it. Required with `dataVolumeId` (the volume's own AZ).
   *
   * @default - the AZ of the VPC's first private subnet
   */
  readonly availabilityZone?: string;
  /**
   * An existing EBS volume to keep MinIO's data on instead of a new one, e.g. the volume a deleted
   * stack retained (`dataVolumeRemovalPolicy` RETAIN): its file system and data are used as they are.
   * The stack never deletes or resizes it. Needs `availabilityZone`.
   *
   * @default - a new volume
   */
  readonly dataVolumeId?: string;
  /**
   * The bucket created for Alluxio's root mount.
   *
   * @default 'alluxio'
   */
  readonly bucket?: string;
  /**
   * The directory inside the bucket that becomes Alluxio's root.
   *
   * @default - the bucket's root
   */
  readonly directory?: string;
}
