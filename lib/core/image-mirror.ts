import { InputError } from './input-error';

/**
 * Where the default images come from and how a mirror of their registry names them. Pure strings:
 * the construct turns the result into an ECS image.
 */

/** The two public registries the default images come from. */
export type UpstreamRegistry = 'docker.io' | 'quay.io';

export interface ImageReference {
  readonly registry: UpstreamRegistry;
  /** The repository path in that registry, e.g. `alluxio/alluxio` (Docker Hub's official images under `library/`). */
  readonly repository: string;
  readonly tag: string;
}

/** Parses a public image name (`alluxio/alluxio:2.9.5`, `quay.io/minio/minio:RELEASE...`); other registries are not mirrored. */
export function parseUpstreamImage(name: string): ImageReference | undefined {
  const match = /^(?:(docker\.io|registry-1\.docker\.io|quay\.io)\/)?([a-z0-9][a-z0-9._/-]*):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/.exec(name);
  if (!match) return undefined;
  const [, host, path, tag] = match;
  // A first path part with a dot or a colon is a registry host this parser does not know.
  if (!host && /[.:]/.test(path.split('/')[0]) && path.includes('/')) return undefined;
  const registry: UpstreamRegistry = host === 'quay.io' ? 'quay.io' : 'docker.io';
  // Docker Hub's official images ("ubuntu") live under library/ (which a pull-through cache needs spelled out).
  const repository = registry === 'docker.io' && !path.includes('/') ? `library/${path}` : path;
  return { registry, repository, tag };
}

/** Path prefixes that stand in for each upstream registry: `<prefix>/<repository>:<tag>`. */
export interface MirrorPrefixes {
  /** e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub` or `harbor.example.com/dockerhub-proxy`. */
  readonly 'docker.io'?: string;
  readonly 'quay.io'?: string;
}

/** The mirrored name of `image`, or undefined when no prefix stands in for its registry (it is pulled as it is). */
export function mirroredImageName(image: ImageReference, prefixes: MirrorPrefixes): string | undefined {
  const prefix = prefixes[image.registry];
  return prefix === undefined ? undefined : `${prefix}/${image.repository}:${image.tag}`;
}

/** Throws unless `prefix` is an ECR repository namespace (what `--ecr-repository-prefix` of a pull-through cache rule takes). */
export function validateEcrRepositoryPrefix(prop: string, prefix: string): void {
  // ECR: 2 to 30 characters, lowercase letters, digits, and . _ - / between them.
  if (!/^[a-z0-9](?:[a-z0-9._/-]{0,28}[a-z0-9])$/.test(prefix) || /[._/-]{2}/.test(prefix)) {
    throw new InputError(
      prop,
      `'${prefix}' is not an ECR repository prefix`,
      "give the pull-through cache rule's prefix: " +
        "2 to 30 lowercase letters, digits, '.', '_', '-' or '/', starting and ending with a letter or digit, e.g. 'docker-hub'",
    );
  }
}

/** Throws unless `mirror` is `host[:port][/path]` of a registry, without a scheme, tag or trailing slash. */
export function validateRegistryMirror(prop: string, mirror: string): void {
  if (!/^[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:\/[a-z0-9._-]+)*$/.test(mirror) || !mirror.split('/')[0].includes('.')) {
    throw new InputError(
      prop,
      `'${mirror}' is not a registry host and path`,
      "give host[:port][/path] without scheme or trailing '/', e.g. 'harbor.example.com/dockerhub-proxy'",
    );
  }
}
