import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AlluxioImageLayout } from '../../lib/core/alluxio-container';

/*
 * The local stand-in of the official Alluxio image (local/alluxio/image, see its README): what a local
 * container's filesystem holds, and what differs between a local container and an ECS task.
 */

/** The stand-in's files, copied into every local container. */
export const STAND_IN_IMAGE_DIR = join(__dirname, 'image');

/** The paths of the official image the stand-in provides; a container's command names them. */
export const IMAGE_PATHS: readonly string[] = ['/opt/alluxio', '/entrypoint.sh'];

/** The image repository the stand-in replaces (any tag: the local jars are 2.9.6). */
export const OFFICIAL_IMAGE_REPOSITORY = 'alluxio/alluxio';

/** A container's filesystem: the stand-in's files under `root`, the Maven jars as its lib/. */
export interface ContainerFilesystem {
  readonly root: string;
  readonly layout: AlluxioImageLayout;
  /** Put first on the container's PATH: `hostname -i` answers the container's address, as on Fargate. */
  readonly binDir: string;
}

/**
 * A fresh container filesystem under `root` (an existing one is replaced: a new task never sees an old
 * task's files, as a new ECS task gets a fresh copy of the image), with `jarsDir` as opt/alluxio/lib.
 */
export function createContainerFilesystem(root: string, jarsDir: string, address: string): ContainerFilesystem {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  cpSync(STAND_IN_IMAGE_DIR, root, { recursive: true, filter: (source) => !source.endsWith('README.md') });
  const home = join(root, 'opt', 'alluxio');
  symlinkSync(jarsDir, join(home, 'lib'));
  const binDir = join(root, 'local-bin');
  mkdirSync(binDir);
  const hostname = join(binDir, 'hostname');
  writeFileSync(hostname, `#!/bin/sh\ncase "$1" in -i|-I) echo ${address} ;; *) exec /bin/hostname "$@" ;; esac\n`);
  chmodSync(hostname, 0o755);
  return { root, layout: { home, entrypoint: join(root, 'entrypoint.sh') }, binDir };
}

/**
 * Mounts a persistent volume at `containerPath` of the container (a symlink to `volumeDir`, which
 * outlives the task, as an EFS volume outlives an ECS task).
 */
export function mountVolume(filesystem: ContainerFilesystem, containerPath: string, volumeDir: string): void {
  mkdirSync(volumeDir, { recursive: true });
  const target = join(filesystem.root, containerPath);
  if (existsSync(target)) rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(volumeDir, target);
}

/**
 * A container command as it runs in the local container: every absolute path of the image it names
 * moved under the container's root (the stand-in for the container's own filesystem root). Nothing
 * else of the command changes; a test pins that the result is the construct's start script
 * generated for the local layout.
 */
export function localizeImagePaths(command: string, root: string): string {
  let localized = command;
  for (const path of IMAGE_PATHS) {
    localized = localized.split(path).join(`${root}${path}`);
  }
  return localized;
}

/** Every address an Alluxio 2.9 process listens on. */
const BIND_HOST_PROPERTIES = [
  'alluxio.master.bind.host',
  'alluxio.master.web.bind.host',
  'alluxio.job.master.bind.host',
  'alluxio.job.master.web.bind.host',
  'alluxio.worker.bind.host',
  'alluxio.worker.web.bind.host',
  'alluxio.job.worker.bind.host',
  'alluxio.job.worker.web.bind.host',
  'alluxio.proxy.web.bind.host',
];

/**
 * What a local container adds to Alluxio's options: its listeners bound to the container's own
 * loopback address, and the local ECS's hosts file as the JVM's resolver. On ECS each task has its own
 * network interface (awsvpc) and binds 0.0.0.0, and Cloud Map names resolve through the VPC's DNS;
 * here all containers share one host, so each gets an address of 127.0.0.0/8 and binds only that, and
 * the names resolve through the file the local ECS keeps (JDK's `jdk.net.hosts.file`), with the JVM's
 * own address cache (30 s by default) as on ECS.
 */
export function localNetworkJavaOptions(address: string, hostsFile?: string): string {
  return [
    ...BIND_HOST_PROPERTIES.map((property) => `-D${property}=${address}`),
    // 2.9 has no bind-host property for the masters' embedded journal: Ratis binds 0.0.0.0 unless told
    // through Alluxio's pass-through prefix. On one host a wildcard listener of a master still stopping
    // would answer the health check (a TCP probe of the Raft port) meant for its replacement at a new
    // address, which ECS tasks, each in its own network namespace, never see.
    `-Dalluxio.master.embedded.journal.ratis.config.raft.grpc.server.host=${address}`,
    ...(hostsFile ? [`-Djdk.net.hosts.file=${hostsFile}`] : []),
  ].join(' ');
}
