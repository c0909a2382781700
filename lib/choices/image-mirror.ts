import { Stack } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  ImageReference,
  MirrorPrefixes,
  mirroredImageName,
  parseUpstreamImage,
  validateEcrRepositoryPrefix,
  validateRegistryMirror,
} from '../core/image-mirror';
import { acknowledgeNagFindings } from '../private/nag-acknowledgements';

/** ECR pull-through cache rules of the stack's account and region that stand in for Docker Hub and quay.io. */
export interface EcrPullThroughCacheOptions {
  /**
   * The repository prefix of the rule whose upstream is Docker Hub (`registry-1.docker.io`); the
   * Alluxio image is pulled as `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/alluxio/alluxio:<version>`.
   *
   * @default 'docker-hub' (the prefix the ECR console proposes)
   */
  readonly dockerHubPrefix?: string;
  /**
   * The repository prefix of the rule whose upstream is quay.io, for the provisioned MinIO's default image.
   *
   * @default 'quay'
   */
  readonly quayPrefix?: string;
}

/** A registry that mirrors Docker Hub (and optionally quay.io) by path: a Harbor proxy-cache project, an Artifactory remote, ... */
export interface RegistryMirrorOptions {
  /** `host[:port][/path]` under which Docker Hub's repositories are found, e.g. `harbor.example.com/dockerhub-proxy`. */
  readonly dockerHub: string;
  /**
   * `host[:port][/path]` under which quay.io's repositories are found.
   *
   * @default - the provisioned MinIO's default image is pulled from quay.io itself
   */
  readonly quay?: string;
  /**
   * The registry's credentials, a Secrets Manager secret with `username` and `password` (ECS private
   * registry authentication).
   *
   * @default - anonymous pulls
   */
  readonly credentials?: secretsmanager.ISecret;
}

/**
 * Where the default images are pulled from instead of Docker Hub (Alluxio) and quay.io (MinIO).
 * Anonymous Docker Hub pulls are limited per IP address, and every task of the cluster pulls through
 * the VPC's NAT address, without an image cache between Fargate tasks. Images given explicitly
 * (`alluxio.image`, `MinioBackend.provisioned({ image })`) are used as they are.
 */
export abstract class ImageMirror {
  /**
   * Pull through ECR pull-through cache rules of the stack's account and region (create them first:
   * `aws ecr create-pull-through-cache-rule --ecr-repository-prefix docker-hub --upstream-registry-url
   * registry-1.docker.io --credential-arn <secret>`). The tasks' execution roles may pull, and import
   * from upstream, only the repositories of the default images under the given prefixes.
   */
  public static ecrPullThroughCache(options: EcrPullThroughCacheOptions = {}): ImageMirror {
    return new EcrPullThroughCache(options.dockerHubPrefix ?? 'docker-hub', options.quayPrefix ?? 'quay');
  }

  /** Pull from a registry that mirrors Docker Hub (and optionally quay.io) under a path. */
  public static registry(options: RegistryMirrorOptions): ImageMirror {
    return new RegistryMirror(options);
  }

  /**
   * Throws an InputError naming the option when it cannot work.
   *
   * @internal
   */
  public abstract _validate(): void;

  /**
   * The image to run instead of the public `upstreamName`, or undefined when this mirror has none for its registry.
   *
   * @internal
   */
  public abstract _imageFor(upstreamName: string): ecs.ContainerImage | undefined;
}

class EcrPullThroughCache extends ImageMirror {
  constructor(
    private readonly dockerHubPrefix: string,
    private readonly quayPrefix: string,
  ) {
    super();
  }

  public _validate(): void {
    validateEcrRepositoryPrefix('imageMirror.dockerHubPrefix', this.dockerHubPrefix);
    validateEcrRepositoryPrefix('imageMirror.quayPrefix', this.quayPrefix);
  }

  public _imageFor(upstreamName: string): ecs.ContainerImage | undefined {
    const upstream = parseUpstreamImage(upstreamName);
    if (!upstream) return undefined;
    return new PullThroughCacheImage(upstream, upstream.registry === 'quay.io' ? this.quayPrefix : this.dockerHubPrefix);
  }
}

class RegistryMirror extends ImageMirror {
  constructor(private readonly options: RegistryMirrorOptions) {
    super();
  }

  public _validate(): void {
    validateRegistryMirror('imageMirror.dockerHub', this.options.dockerHub);
    if (this.options.quay !== undefined) validateRegistryMirror('imageMirror.quay', this.options.quay);
  }

  public _imageFor(upstreamName: string): ecs.ContainerImage | undefined {
    const upstream = parseUpstreamImage(upstreamName);
    const prefixes: MirrorPrefixes = { 'docker.io': this.options.dockerHub, 'quay.io': this.options.quay };
    const name = upstream && mirroredImageName(upstream, prefixes);
    return name === undefined ? undefined : ecs.ContainerImage.fromRegistry(name, { credentials: this.options.credentials });
  }
}

/**
 * An image in a pull-through cache repository of this account and region. The repository may not
 * exist before the first pull: ECR creates it and imports the image then, for a principal allowed
 * to (ecr:CreateRepository, ecr:BatchImportUpstreamImage), besides the usual pull permissions.
 */
class PullThroughCacheImage extends ecs.ContainerImage {
  constructor(
    private readonly upstream: ImageReference,
    private readonly prefix: string,
  ) {
    super();
  }

  public bind(scope: Construct, containerDefinition: ecs.ContainerDefinition): ecs.ContainerImageConfig {
    const stack = Stack.of(scope);
    const repositoryName = `${this.prefix}/${this.upstream.repository}`;
    const repositoryArn = stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: repositoryName });
    const executionRole = containerDefinition.taskDefinition.obtainExecutionRole();
    executionRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'],
        resources: [repositoryArn],
      }),
    );
    executionRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }));
    acknowledgeNagFindings(executionRole, [
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'ecr:GetAuthorizationToken has no resource-level permissions; pulls are limited to the mirrored repositories.',
      },
    ]);
    return { imageName: `${stack.account}.dkr.ecr.${stack.region}.${stack.urlSuffix}/${repositoryName}:${this.upstream.tag}` };
  }
}
