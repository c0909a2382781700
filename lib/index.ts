export * from './alluxio-minio';
export * from './minio-backend';
export * from './minio-credentials';
export * from './credential-rotation';
export * from './image-mirror';
export { DEFAULT_ALLUXIO_VERSION } from './core/alluxio-version';
export * from './cluster-metrics';
export * from './cluster-dashboard';
export * from './metrics-agent';
