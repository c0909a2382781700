import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The code of one bundled handler, shipped in the package under lambda-dist/ by `npm run build`.
 * Synth only points at the folder: it never bundles, so users need neither esbuild nor Docker.
 */
export function bundledHandlerCode(handlerName: string): lambda.Code {
  const dir = join(__dirname, '..', '..', 'lambda-dist', handlerName);
  if (!existsSync(join(dir, 'index.js'))) {
    throw new Error(
      `cdk-alluxio-minio: the bundled handler '${handlerName}' is missing at ${dir}. ` +
        'Fix: run `npm run build` in the cdk-alluxio-minio package (a published package ships it).',
    );
  }
  return lambda.Code.fromAsset(dir);
}
