import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AlluxioMinio, AlluxioMinioProps, ImageMirror, MinioBackend } from '../../lib';
import { cdkNagReport } from '../support/cdk-nag';

const ENV = { account: '123456789012', region: 'eu-west-1' };

function synthApp(props: Partial<AlluxioMinioProps>, extra?: (stack: Stack) => Partial<AlluxioMinioProps>): { app: App; stack: Stack } {
  const app = new App();
  const stack = new Stack(app, 'Images', { env: ENV });
  new AlluxioMinio(stack, 'Cache', { minio: MinioBackend.provisioned(), ...props, ...extra?.(stack) });
  return { app, stack };
}

function imagesByContainer(template: Template): Record<string, unknown> {
  const containers = Object.values(template.findResources('AWS::ECS::TaskDefinition')).flatMap((t: any) => t.Properties.ContainerDefinitions);
  return Object.fromEntries(containers.map((c: any) => [c.Name, c.Image]));
}

function resolvedImage(stack: Stack, image: unknown): string {
  // Account, region and URL suffix of an environment-specific stack resolve to literals but the suffix.
  return JSON.stringify(stack.resolve(image))
    .replace(/\{"Ref":"AWS::URLSuffix"\}/g, 'amazonaws.com')
    .replace(/\{"Fn::Join":\["",\[|\]\]\}|"|,/g, '');
}

describe('image mirror', () => {
  test('by default the images come from Docker Hub and quay.io', () => {
    const images = imagesByContainer(Template.fromStack(synthApp({}).stack));
    expect(images).toEqual({ master: 'alluxio/alluxio:2.9.5', worker: 'alluxio/alluxio:2.9.5', minio: MinioBackend.DEFAULT_IMAGE_NAME });
  });

  test('ECR pull-through cache: every default image is pulled from this account and region under the rule prefixes', () => {
    const { stack } = synthApp({ imageMirror: ImageMirror.ecrPullThroughCache() });
    const images = imagesByContainer(Template.fromStack(stack));
    const registry = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    expect(resolvedImage(stack, images.master)).toBe(`${registry}/docker-hub/alluxio/alluxio:2.9.5`);
    expect(resolvedImage(stack, images.worker)).toBe(`${registry}/docker-hub/alluxio/alluxio:2.9.5`);
    expect(resolvedImage(stack, images.minio)).toBe(`${registry}/quay/minio/minio:RELEASE.2025-09-07T16-13-09Z`);
  });

  test("ECR pull-through cache: each execution role may pull, and import from upstream, exactly its image's repository", () => {
    const template = Template.fromStack(
      synthApp({ imageMirror: ImageMirror.ecrPullThroughCache({ dockerHubPrefix: 'mirrors/hub', quayPrefix: 'mirrors/quay' }) }).stack,
    );
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const pulls = statements.filter((s: any) => [s.Action].flat().includes('ecr:BatchImportUpstreamImage'));
    const repositories = pulls.map((s: any) => JSON.stringify(s.Resource).replace(/.*:repository\/([^"]+)".*/, '$1')).sort();
    expect(repositories).toEqual(['mirrors/hub/alluxio/alluxio', 'mirrors/hub/alluxio/alluxio', 'mirrors/quay/minio/minio']);
    for (const statement of pulls)
      expect(statement.Action).toEqual(expect.arrayContaining(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:CreateRepository']));
  });

  test('a registry mirror with credentials: images under its paths, pulled with the secret', () => {
    const { stack } = synthApp({}, (s) => ({
      imageMirror: ImageMirror.registry({
        dockerHub: 'harbor.example.com/dockerhub',
        quay: 'harbor.example.com/quay',
        credentials: secretsmanager.Secret.fromSecretNameV2(s, 'Pull', 'harbor-pull'),
      }),
    }));
    const template = Template.fromStack(stack);
    expect(imagesByContainer(template)).toEqual({
      master: 'harbor.example.com/dockerhub/alluxio/alluxio:2.9.5',
      worker: 'harbor.example.com/dockerhub/alluxio/alluxio:2.9.5',
      minio: 'harbor.example.com/quay/minio/minio:RELEASE.2025-09-07T16-13-09Z',
    });
    const containers = Object.values(template.findResources('AWS::ECS::TaskDefinition')).flatMap((t: any) => t.Properties.ContainerDefinitions);
    for (const container of containers) expect(JSON.stringify(container.RepositoryCredentials)).toContain('harbor-pull');
  });

  test('a registry mirror of Docker Hub only leaves the MinIO image on quay.io', () => {
    const images = imagesByContainer(Template.fromStack(synthApp({ imageMirror: ImageMirror.registry({ dockerHub: 'mirror.example.com' }) }).stack));
    expect(images).toEqual({
      master: 'mirror.example.com/alluxio/alluxio:2.9.5',
      worker: 'mirror.example.com/alluxio/alluxio:2.9.5',
      minio: MinioBackend.DEFAULT_IMAGE_NAME,
    });
  });

  test('images given explicitly win over the mirror', () => {
    const images = imagesByContainer(
      Template.fromStack(
        synthApp({
          imageMirror: ImageMirror.registry({ dockerHub: 'mirror.example.com', quay: 'mirror.example.com/quay' }),
          minio: MinioBackend.provisioned({ image: ecs.ContainerImage.fromRegistry('registry.example.com/minio:1') }),
          alluxio: { image: ecs.ContainerImage.fromRegistry('registry.example.com/alluxio:2.9.5') },
        }).stack,
      ),
    );
    expect(images).toEqual({
      master: 'registry.example.com/alluxio:2.9.5',
      worker: 'registry.example.com/alluxio:2.9.5',
      minio: 'registry.example.com/minio:1',
    });
  });

  test.each<[string, ImageMirror, RegExp]>([
    ['a pull-through prefix ECR refuses', ImageMirror.ecrPullThroughCache({ dockerHubPrefix: 'Docker_Hub/' }), /imageMirror\.dockerHubPrefix: .*Fix:/],
    ['a mirror given as a URL', ImageMirror.registry({ dockerHub: 'https://harbor.example.com' }), /imageMirror\.dockerHub: .*Fix:/],
  ])('%s is refused at synth, naming the option and the fix', (_name, imageMirror, expected) => {
    expect(() => synthApp({ imageMirror })).toThrow(expected);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding with a pull-through cache', () => {
    expect(cdkNagReport(synthApp({ imageMirror: ImageMirror.ecrPullThroughCache() }).app)).toBe('');
  });
});
