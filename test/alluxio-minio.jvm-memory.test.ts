import { App, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AlluxioMinio, AlluxioOptions, MinioBackend, MinioCredentials } from '../lib';
import { alluxioJvmMemory, jvmMemoryEnvironment } from '../lib/core/jvm-memory';

const EXISTING = MinioBackend.existing({ endpoint: 'http://10.0.12.7:9000', bucket: 'datalake', directory: 'alluxio' });
const TEAM_KEYS = MinioCredentials.fromParameters('/team/minio/access-key', '/team/minio/secret-key');

function environmentOf(alluxio: AlluxioOptions): Record<string, Record<string, string>> {
  const app = new App();
  const stack = new Stack(app, 'Memory');
  new AlluxioMinio(stack, 'Cache', { minio: EXISTING, credentials: TEAM_KEYS, alluxio });
  const containers = Object.values(Template.fromStack(stack).findResources('AWS::ECS::TaskDefinition')).flatMap((t: any) => t.Properties.ContainerDefinitions);
  return Object.fromEntries(containers.map((c: any) => [c.Name, Object.fromEntries(c.Environment.map((e: any) => [e.Name, e.Value]))]));
}

function javaOptions(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter(([name]) => name.endsWith('_JAVA_OPTS')));
}

describe('JVM memory of the Alluxio tasks', () => {
  test("each container's two JVMs are sized from its own task's memory, in the variables the entrypoint copies", () => {
    const environment = environmentOf({ masterCpu: 1024, masterMemoryMiB: 6144, workerCpu: 1024, workerMemoryMiB: 3072 });
    expect(javaOptions(environment.master)).toEqual(jvmMemoryEnvironment(alluxioJvmMemory('master', 6144, 'alluxio.masterMemoryMiB')));
    expect(javaOptions(environment.worker)).toEqual(jvmMemoryEnvironment(alluxioJvmMemory('worker', 3072, 'alluxio.workerMemoryMiB')));
    expect(Object.keys(javaOptions(environment.master)).sort()).toEqual(['ALLUXIO_JOB_MASTER_JAVA_OPTS', 'ALLUXIO_MASTER_JAVA_OPTS']);
    expect(Object.keys(javaOptions(environment.worker)).sort()).toEqual(['ALLUXIO_JOB_WORKER_JAVA_OPTS', 'ALLUXIO_WORKER_JAVA_OPTS']);
  });

  test('the worker cache is on ephemeral storage: its size takes nothing from the JVMs', () => {
    const small = environmentOf({ cacheSize: Size.gibibytes(1) });
    const large = environmentOf({ cacheSize: Size.gibibytes(150) });
    expect(javaOptions(large.worker)).toEqual(javaOptions(small.worker));
    expect(javaOptions(small.worker).ALLUXIO_WORKER_JAVA_OPTS).toBe('-Xmx1075m -XX:MaxDirectMemorySize=1228m');
  });

  test('a task too small for two JVMs is refused at synth, naming the prop and the fix', () => {
    expect(() => environmentOf({ workerCpu: 512, workerMemoryMiB: 1024 })).toThrow(
      /Memory\/Cache: alluxio\.workerMemoryMiB: 1024 MiB cannot hold the worker and jobWorker JVMs.*Fix: give at least 2048 MiB/,
    );
  });
});
