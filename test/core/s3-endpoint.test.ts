import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alluxioProxyCommand, ALLUXIO_PORTS } from '../../lib/core/alluxio-container';
import { alluxioJvmMemory, minimumTaskMemoryMiB } from '../../lib/core/jvm-memory';
import { checkS3ClientPeer, resolveS3EndpointSettings, s3EndpointUrl } from '../../lib/core/s3-endpoint';
import { withoutCredentials } from '../../lib/core/site-properties';
import { expectInputError } from './expect-input-error';

describe('resolveS3EndpointSettings', () => {
  test('off unless enabled', () => {
    expect(resolveS3EndpointSettings(undefined)).toBeUndefined();
    expect(resolveS3EndpointSettings({})).toBeUndefined();
    expect(resolveS3EndpointSettings({ enabled: false, port: 80 })).toBeUndefined();
  });

  test('defaults: port 39999, 1024 CPU / 2048 MiB, one task, the proxy JVM sized from the task', () => {
    const settings = resolveS3EndpointSettings({ enabled: true })!;
    expect(settings).toMatchObject({ port: ALLUXIO_PORTS.proxyWeb, proxyCpu: 1024, proxyMemoryMiB: 2048, desiredCount: 1 });
    const { heapMiB, directMiB } = alluxioJvmMemory('proxy', 2048, 'x').proxy!;
    expect(settings.jvmOptions).toEqual({ ALLUXIO_PROXY_JAVA_OPTS: `-Xmx${heapMiB}m -XX:MaxDirectMemorySize=${directMiB}m` });
    expect(heapMiB + directMiB).toBeLessThan(2048 - 256 - 384 + 1);
  });

  test.each<[string, object, string]>([
    ['a worker port', { port: 29999 }, 's3Endpoint.port'],
    ['the embedded journal port', { port: 19200 }, 's3Endpoint.port'],
    ['a privileged port', { port: 443 }, 's3Endpoint.port'],
    ['a size Fargate lacks', { proxyCpu: 512, proxyMemoryMiB: 8192 }, 's3Endpoint.proxyMemoryMiB'],
    ['too little memory for the JVM', { proxyCpu: 256, proxyMemoryMiB: 512 }, 's3Endpoint.proxyMemoryMiB'],
    ['zero tasks', { desiredCount: 0 }, 's3Endpoint.desiredCount'],
  ])('refuses %s, naming the prop', (_name, options, prop) => {
    expectInputError(() => resolveS3EndpointSettings({ enabled: true, ...options }), prop);
  });
});

test('the proxy fits the default task: its minimum memory is at most 2048 MiB', () => {
  expect(minimumTaskMemoryMiB('proxy')).toBeLessThanOrEqual(2048);
});

test('the URL is path-style under /api/v1/s3', () => {
  expect(s3EndpointUrl('s3.alluxio-abc.internal', 39999)).toBe('http://s3.alluxio-abc.internal:39999/api/v1/s3');
});

test('peers standing for every address are refused; others pass', () => {
  expectInputError(() => checkS3ClientPeer('0.0.0.0/0'), 'allowS3ClientsFrom');
  expectInputError(() => checkS3ClientPeer('::/0'), 'allowS3ClientsFrom');
  expect(() => checkS3ClientPeer('10.0.0.0/16')).not.toThrow();
});

test("the proxy start script writes the site file first, then runs the entrypoint's proxy command on the given port", () => {
  const script = alluxioProxyCommand({ home: '/h', entrypoint: '/e.sh' }, { port: 31999 });
  const lines = script.split('\n');
  expect(lines[0]).toBe('set -e');
  expect(script.indexOf('> /h/conf/alluxio-site.properties')).toBeLessThan(script.indexOf('exec /e.sh proxy'));
  expect(script).toContain('-Dalluxio.proxy.web.port=31999');
  expect(lines[lines.length - 1]).toBe('exec /e.sh proxy');
});

test('the proxy start script writes the key-free configuration it is given as its site file, readable by its owner only (a shell run of it)', () => {
  const home = mkdtempSync(join(tmpdir(), 'proxy-script-'));
  mkdirSync(join(home, 'conf'));
  writeFileSync(join(home, 'entrypoint.sh'), '#!/bin/sh\necho "entrypoint $1 $ALLUXIO_PROXY_JAVA_OPTS"\n');
  chmodSync(join(home, 'entrypoint.sh'), 0o755);
  // The task's secret is the key-free twin (withoutCredentials): the script has no keys to strip.
  const rendered = withoutCredentials(
    ['# header', 'alluxio.master.hostname=m', 's3a.accessKeyId=AK', 's3a.secretKey=S\\=K', 'alluxio.underfs.s3.endpoint=http\\://x\\:9000'].join('\n'),
  );
  const out = execFileSync('/bin/sh', ['-c', alluxioProxyCommand({ home, entrypoint: join(home, 'entrypoint.sh') }, { port: 31999 })], {
    env: { PATH: process.env.PATH, ALLUXIO_SITE_PROPERTIES: rendered, ALLUXIO_PROXY_JAVA_OPTS: '-Xmx300m' },
    encoding: 'utf8',
  });
  // The port is added to the task's options, not in their place.
  expect(out.trim()).toBe('entrypoint proxy -Xmx300m -Dalluxio.proxy.web.port=31999');
  expect(readFileSync(join(home, 'conf', 'alluxio-site.properties'), 'utf8')).toBe(
    '# header\nalluxio.master.hostname=m\nalluxio.underfs.s3.endpoint=http\\://x\\:9000\n',
  );
  expect(statSync(join(home, 'conf', 'alluxio-site.properties')).mode & 0o777).toBe(0o600);
  rmSync(home, { recursive: true, force: true });
});
