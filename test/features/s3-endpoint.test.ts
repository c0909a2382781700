import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { AlluxioMinio, AlluxioMinioProps, MinioBackend, MinioCredentials } from '../../lib';
import { cdkNagReport } from '../support/cdk-nag';
import { ssmResourcesOf, taskRoleStatements } from '../support/key-free-roles';

const EXISTING = MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' });
const TEAM_KEYS = MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key');
const BASE: AlluxioMinioProps = { minio: EXISTING, credentials: TEAM_KEYS };

interface Synthesized {
  readonly app: App;
  readonly stack: Stack;
  readonly construct: AlluxioMinio;
  readonly clients: ec2.SecurityGroup;
}

function build(props: Partial<AlluxioMinioProps>, allow?: (s: Synthesized) => void): Synthesized {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const construct = new AlluxioMinio(stack, 'Cache', { ...BASE, ...props });
  const clients = new ec2.SecurityGroup(stack, 'AnalyticsClients', { vpc: construct.cluster.vpc, description: 'S3 clients' });
  const built = { app, stack, construct, clients };
  allow?.(built);
  return built;
}

function errorOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

type Resources = Record<string, { Type: string; Properties?: any }>;
const resourcesOf = (stack: Stack): Resources => Template.fromStack(stack).toJSON().Resources;

/** Every ingress rule on `port` (any port when not given), inline or standalone, with its source. */
function ingressOn(stack: Stack, port?: number): Array<{ source: unknown; group: unknown }> {
  const rules: Array<{ source: unknown; group: unknown }> = [];
  for (const [id, resource] of Object.entries(resourcesOf(stack))) {
    const covers = (r: any) => port === undefined || (r.FromPort <= port && r.ToPort >= port);
    const sourceOf = (r: any) => r.SourceSecurityGroupId ?? r.CidrIp ?? r.CidrIpv6 ?? r.SourcePrefixListId;
    if (resource.Type === 'AWS::EC2::SecurityGroupIngress' && covers(resource.Properties)) {
      rules.push({ source: sourceOf(resource.Properties), group: resource.Properties.GroupId });
    }
    if (resource.Type === 'AWS::EC2::SecurityGroup') {
      for (const rule of resource.Properties?.SecurityGroupIngress ?? [])
        if (covers(rule)) rules.push({ source: sourceOf(rule), group: { 'Fn::GetAtt': [id, 'GroupId'] } });
    }
  }
  return rules;
}

/** The proxy's container definition, found by its start command. */
function proxyContainer(stack: Stack): any | undefined {
  for (const resource of Object.values(resourcesOf(stack))) {
    if (resource.Type !== 'AWS::ECS::TaskDefinition') continue;
    const container = resource.Properties.ContainerDefinitions[0];
    if (String(container.Command?.[0] ?? '').includes('/entrypoint.sh proxy')) return container;
  }
  return undefined;
}

describe('off by default', () => {
  test('no proxy task, service, security group, port or output', () => {
    const { stack, construct } = build({});
    expect(proxyContainer(stack)).toBeUndefined();
    expect(Object.keys(resourcesOf(stack)).filter((id) => id.includes('S3Endpoint'))).toEqual([]);
    expect(ingressOn(stack, 39999)).toEqual([]);
    expect(Object.keys(Template.fromStack(stack).toJSON().Outputs).filter((name) => name.includes('S3Endpoint'))).toEqual([]);
    expect(construct.s3Endpoint).toBeUndefined();
  });

  test('allowS3ClientsFrom says the endpoint is off and how to turn it on', () => {
    expect(errorOf(() => build({}, ({ construct, clients }) => construct.allowS3ClientsFrom(clients)))).toMatch(
      /Test\/Cache: s3Endpoint: is not enabled.*Fix: pass s3Endpoint: \{ enabled: true \}/,
    );
  });

  test('enabled: false is off too', () => {
    expect(proxyContainer(build({ s3Endpoint: { enabled: false } }).stack)).toBeUndefined();
  });
});

describe('on', () => {
  test('the proxy runs from the same image and rendered site file as the master, under the Cloud Map name s3', () => {
    const { stack, construct } = build({ s3Endpoint: { enabled: true } });
    const template = Template.fromStack(stack);
    const container = proxyContainer(stack);
    expect(container).toBeDefined();
    expect(container.Image).toBe(`alluxio/alluxio:${AlluxioMinio.DEFAULT_ALLUXIO_VERSION}`);
    expect(container.EntryPoint).toEqual(['/bin/sh', '-c']);
    expect(container.Command[0]).toContain('> /opt/alluxio/conf/alluxio-site.properties');
    expect(container.Command[0]).toContain('-Dalluxio.proxy.web.port=39999');
    expect(container.Secrets).toEqual([{ Name: 'ALLUXIO_SITE_PROPERTIES', ValueFrom: expect.anything() }]);
    expect(container.PortMappings).toEqual([expect.objectContaining({ ContainerPort: 39999 })]);
    expect(container.Environment.map((e: { Name: string }) => e.Name).sort()).toEqual(['ALLUXIO_CONFIG_HASH', 'ALLUXIO_PROXY_JAVA_OPTS']);
    template.hasResourceProperties('AWS::ServiceDiscovery::Service', { Name: 's3' });
    template.hasResourceProperties('AWS::ECS::Service', {
      LaunchType: 'FARGATE',
      DesiredCount: 1,
      NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
      ServiceRegistries: [Match.objectLike({ RegistryArn: Match.anyValue() })],
      DeploymentConfiguration: Match.objectLike({ MinimumHealthyPercent: 100, MaximumPercent: 200 }),
    });
    const namespace = Object.values(resourcesOf(stack)).find((r) => r.Type === 'AWS::ServiceDiscovery::PrivateDnsNamespace')!.Properties.Name;
    expect(construct.s3Endpoint!.url).toBe(`http://s3.${namespace}:39999/api/v1/s3`);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const output = Object.entries(outputs).find(([name]) => name.includes('S3EndpointUrl'));
    expect(output?.[1].Value).toBe(`http://s3.${namespace}:39999/api/v1/s3`);
  });

  test('its configuration is the key-free one, and its roles read no configuration that holds the MinIO keys', () => {
    const { stack } = build({ s3Endpoint: { enabled: true } });
    const resources = resourcesOf(stack);
    // Only the master and workers talk to MinIO.
    expect(JSON.stringify(proxyContainer(stack).Secrets[0].ValueFrom)).toMatch(/"Fn::GetAtt":\["\w*SiteProperties\w*","KeyFreeParameterName"\]/);
    const [taskDefinition] = Object.values(resources).filter(
      (r) => r.Type === 'AWS::ECS::TaskDefinition' && String(r.Properties.ContainerDefinitions[0].Command?.[0]).includes('/entrypoint.sh proxy'),
    );
    const read = ssmResourcesOf(taskRoleStatements(resources, taskDefinition));
    // This deploy's key-free file, and every earlier one for a rolled-back task; nothing else.
    expect([...new Set(read)].sort()).toEqual(['KeyFreeParameterName', expect.stringMatching(/^alluxio-minio\/\w+\/site-properties-without-keys\/\*$/)]);
  });

  test('no peer reaches 39999 until one is named; then only that one', () => {
    const { stack: closed } = build({ s3Endpoint: { enabled: true } });
    expect(ingressOn(closed, 39999)).toEqual([]);
    const { stack, clients } = build({ s3Endpoint: { enabled: true } }, ({ construct, clients: sg }) => construct.allowS3ClientsFrom(sg));
    const rules = ingressOn(stack, 39999);
    expect(rules).toHaveLength(1);
    expect(rules[0].source).toEqual(stack.resolve(clients.securityGroupId));
  });

  test('a CIDR peer is admitted as that CIDR; 0.0.0.0/0 and ::/0 are refused with the reason', () => {
    const { stack } = build({ s3Endpoint: { enabled: true } }, ({ construct }) => construct.allowS3ClientsFrom(ec2.Peer.ipv4('10.20.0.0/16')));
    expect(ingressOn(stack, 39999).map((r) => r.source)).toEqual(['10.20.0.0/16']);
    for (const peer of [ec2.Peer.anyIpv4(), ec2.Peer.anyIpv6(), ec2.Peer.ipv4('0.0.0.0/0')]) {
      expect(errorOf(() => build({ s3Endpoint: { enabled: true } }, ({ construct }) => construct.allowS3ClientsFrom(peer)))).toMatch(
        /Test\/Cache: allowS3ClientsFrom: (0\.0\.0\.0\/0|::\/0) would let every address .* checks no signature.*Fix:/,
      );
    }
  });

  test('no ingress anywhere in the stack is open to 0.0.0.0/0 or ::/0', () => {
    const { stack } = build({ s3Endpoint: { enabled: true } }, ({ construct, clients }) => construct.allowS3ClientsFrom(clients));
    // Ingress only: egress is every group's default allow-all.
    const sources = ingressOn(stack).map((r) => r.source);
    expect(sources.length).toBeGreaterThan(0);
    expect(sources.filter((source) => typeof source === 'string')).toEqual([]);
  });

  test('the proxy reaches the master and worker RPC ports, nothing else of the cluster', () => {
    const { stack, construct } = build({ s3Endpoint: { enabled: true } });
    const proxyGroup = stack.resolve(construct.s3Endpoint!.connections.securityGroups[0].securityGroupId);
    const fromProxy = Object.values(resourcesOf(stack))
      .filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress' && JSON.stringify(r.Properties.SourceSecurityGroupId) === JSON.stringify(proxyGroup))
      .map((r) => [r.Properties.FromPort, r.Properties.ToPort]);
    expect(fromProxy.sort()).toEqual([
      [19998, 19998],
      [29999, 29999],
    ]);
  });

  test('a port of its own: the option reaches the command, the mapping and the URL', () => {
    const { stack, construct } = build({ s3Endpoint: { enabled: true, port: 31999 } });
    const container = proxyContainer(stack);
    expect(container.Command[0]).toContain('-Dalluxio.proxy.web.port=31999');
    expect(container.PortMappings).toEqual([expect.objectContaining({ ContainerPort: 31999 })]);
    expect(construct.s3Endpoint!.url).toMatch(/:31999\/api\/v1\/s3$/);
  });

  test.each<[string, Partial<AlluxioMinioProps>, RegExp]>([
    ['a port the workers use', { s3Endpoint: { enabled: true, port: 29999 } }, /s3Endpoint\.port: 29999 is one of the ports .*Fix:/],
    ['a privileged port', { s3Endpoint: { enabled: true, port: 80 } }, /s3Endpoint\.port: 80 is not a whole number from 1024 to 65535.*Fix:/],
    [
      'a Fargate size that does not pair',
      { s3Endpoint: { enabled: true, proxyCpu: 256, proxyMemoryMiB: 8192 } },
      /s3Endpoint\.proxyMemoryMiB: 8192 MiB does not pair with 256.*Fix:/,
    ],
    ['zero tasks', { s3Endpoint: { enabled: true, desiredCount: 0 } }, /s3Endpoint\.desiredCount: .*Fix:/],
  ])('%s is refused at synth, naming the prop', (_name, props, expected) => {
    const message = errorOf(() => build(props));
    expect(message).toMatch(expected);
    expect(message).toContain('Test/Cache');
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding with the endpoint on and a client admitted', () => {
    const { app } = build({ s3Endpoint: { enabled: true } }, ({ construct, clients }) => construct.allowS3ClientsFrom(clients));
    expect(cdkNagReport(app)).toBe('');
  });
});
