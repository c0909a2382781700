import { mirroredImageName, parseUpstreamImage, validateEcrRepositoryPrefix, validateRegistryMirror } from '../../lib/core/image-mirror';
import { expectInputError } from './expect-input-error';

describe('parseUpstreamImage', () => {
  test.each([
    ['alluxio/alluxio:2.9.5', { registry: 'docker.io', repository: 'alluxio/alluxio', tag: '2.9.5' }],
    ['docker.io/alluxio/alluxio:309', { registry: 'docker.io', repository: 'alluxio/alluxio', tag: '309' }],
    ['quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z', { registry: 'quay.io', repository: 'minio/minio', tag: 'RELEASE.2025-09-07T16-13-09Z' }],
    // Official images are library/<name> to a pull-through cache (ECR's docs: the prefix must be spelled out).
    ['ubuntu:24.04', { registry: 'docker.io', repository: 'library/ubuntu', tag: '24.04' }],
  ])('%s', (name, expected) => {
    expect(parseUpstreamImage(name)).toEqual(expected);
  });

  test.each(['ghcr.io/x/y:1', 'localhost:5000/x:1', 'alluxio/alluxio', 'alluxio/alluxio@sha256:abc'])(
    '%s is not a Docker Hub or quay.io name with a tag',
    (name) => {
      expect(parseUpstreamImage(name)).toBeUndefined();
    },
  );
});

describe('mirroredImageName', () => {
  const alluxio = parseUpstreamImage('alluxio/alluxio:2.9.5')!;
  const minio = parseUpstreamImage('quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z')!;

  test('puts the repository and tag under the prefix that stands in for its registry', () => {
    const prefixes = { 'docker.io': '123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub', 'quay.io': '123456789012.dkr.ecr.eu-west-1.amazonaws.com/quay' };
    expect(mirroredImageName(alluxio, prefixes)).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub/alluxio/alluxio:2.9.5');
    expect(mirroredImageName(minio, prefixes)).toBe('123456789012.dkr.ecr.eu-west-1.amazonaws.com/quay/minio/minio:RELEASE.2025-09-07T16-13-09Z');
  });

  test('an image whose registry has no mirror is left alone', () => {
    expect(mirroredImageName(minio, { 'docker.io': 'harbor.example.com/dockerhub' })).toBeUndefined();
  });
});

describe('validation names the prop and the fix', () => {
  test.each(['docker-hub', 'quay', 'mirrors/docker-hub', 'ab'])('%s is an ECR prefix', (prefix) => {
    expect(() => validateEcrRepositoryPrefix('imageMirror.dockerHubPrefix', prefix)).not.toThrow();
  });

  test.each(['Docker-Hub', '-x', 'x', 'docker-hub/', 'a'.repeat(31), 'a//b'])('%s is not', (prefix) => {
    expectInputError(() => validateEcrRepositoryPrefix('imageMirror.dockerHubPrefix', prefix), 'imageMirror.dockerHubPrefix');
  });

  test.each(['harbor.example.com', 'harbor.example.com/dockerhub-proxy', 'registry.example.com:5000/mirror'])('%s is a registry mirror', (mirror) => {
    expect(() => validateRegistryMirror('imageMirror.dockerHub', mirror)).not.toThrow();
  });

  test.each(['https://harbor.example.com', 'harbor.example.com/', 'harbor', 'harbor.example.com/Upper', 'harbor.example.com/x:1'])('%s is not', (mirror) => {
    expectInputError(() => validateRegistryMirror('imageMirror.dockerHub', mirror), 'imageMirror.dockerHub');
  });
});
