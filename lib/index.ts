export * from './alluxio-minio';
export * from './minio-backend';
export * from './minio-credentials';
export * from './credential-rotation';
export * from './image-mirror';
export * from './cache-preload';
export { DEFAULT_ALLUXIO_VERSION } from './core/alluxio-version';
