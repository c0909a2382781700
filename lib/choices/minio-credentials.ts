import * as kms from 'aws-cdk-lib/aws-kms';

/** Options shared by every way of supplying MinIO credentials. */
export interface MinioCredentialsOptions {
  /**
   * The KMS key that encrypts the SecureString parameters.
   *
   * @default - the account's AWS managed key for SSM (alias/aws/ssm)
   */
  readonly kmsKey?: kms.IKey;
}

/**
 * Where the MinIO access key and secret key come from. Both always live in SSM Parameter Store as
 * SecureStrings; the template carries only their names, never their values.
 */
export abstract class MinioCredentials {
  /**
   * A fresh key pair generated inside a custom-resource Lambda at deploy time and written to
   * `/<parameterPrefix>/access-key` and `/<parameterPrefix>/secret-key`. Only a MinIO this construct
   * provisions can accept it: an existing server would not know the pair.
   */
  public static generated(options: MinioCredentialsOptions = {}): MinioCredentials {
    return new GeneratedCredentials(options.kmsKey);
  }

  /**
   * Two SecureString parameters that already exist (written by you or your secret pipeline).
   * Nothing is written to them; the cluster only gets read permission.
   *
   * @param accessKeyParameterName name of the parameter holding the access key, e.g. `/team/minio/access-key`
   * @param secretKeyParameterName name of the parameter holding the secret key
   */
  public static fromParameters(accessKeyParameterName: string, secretKeyParameterName: string, options: MinioCredentialsOptions = {}): MinioCredentials {
    return new ParameterCredentials(accessKeyParameterName, secretKeyParameterName, options.kmsKey);
  }

  /** The key that encrypts both parameters, when it is not the AWS managed one. */
  public readonly kmsKey?: kms.IKey;

  protected constructor(kmsKey?: kms.IKey) {
    this.kmsKey = kmsKey;
  }

  /**
   * Whether the pair is generated at deploy time (true) or read from existing parameters (false).
   */
  public abstract readonly isGenerated: boolean;

  /**
   * The parameter names, given the construct's default prefix for generated pairs.
   *
   * @internal
   */
  public abstract _parameterNames(defaultPrefix: string): { accessKey: string; secretKey: string };
}

class GeneratedCredentials extends MinioCredentials {
  public readonly isGenerated = true;

  public _parameterNames(defaultPrefix: string) {
    return { accessKey: `${defaultPrefix}/access-key`, secretKey: `${defaultPrefix}/secret-key` };
  }
}

class ParameterCredentials extends MinioCredentials {
  public readonly isGenerated = false;

  constructor(
    private readonly accessKeyParameterName: string,
    private readonly secretKeyParameterName: string,
    kmsKey?: kms.IKey,
  ) {
    super(kmsKey);
  }

  public _parameterNames() {
    return { accessKey: this.accessKeyParameterName, secretKey: this.secretKeyParameterName };
  }
}
