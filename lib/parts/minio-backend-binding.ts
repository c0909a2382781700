import { Construct } from 'constructs';
import { ProvisionedMinioServer, ProvisionedMinioServerProps } from './provisioned-minio-server';

/** What a MinioBackend binds to (MinioBackend._bind): what the settings check and the store builds. */
export interface MinioBackendBinding {
  /** The endpoint the site file names; for a provisioned server, the shape of its Cloud Map name (it does not exist yet). */
  readonly endpoint: string;
  /** The checks only this kind has; each error names the prop and the fix. Deploy-time values (`isToken`) are left to the deploy. */
  validate(isToken: (value: string) => boolean): void;
  /** The server this construct runs for the backend (none for an existing MinIO) and the endpoint to use. */
  createServer(scope: Construct, props: MinioServerProps): { readonly endpoint: string; readonly server?: ProvisionedMinioServer };
}

/** What a provisioned server needs from the store besides the backend's own options. */
export type MinioServerProps = Omit<ProvisionedMinioServerProps, 'options' | 'defaultImageName'>;
