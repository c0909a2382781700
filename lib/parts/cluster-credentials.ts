import { CustomResource, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { CustomResourceFunctions } from './custom-resource-functions';
import { MinioCredentials } from '../choices/minio-credentials';
import { acknowledgeNagFindings } from '../private/nag-acknowledgements';

export interface ClusterCredentialsProps {
  readonly credentials: MinioCredentials;
  /** Where generated keys are written (`<prefix>/access-key`, `<prefix>/secret-key`). */
  readonly parameterPrefix: string;
  readonly functions: CustomResourceFunctions;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The MinIO key pair in SSM Parameter Store: generated and written by the credentials resource, or the
 * user's existing SecureStrings checked by it. Everything else reads the keys through `grantRead`.
 */
export class ClusterCredentials extends Construct {
  public readonly accessKeyParameter: ssm.IStringParameter;
  public readonly secretKeyParameter: ssm.IStringParameter;
  public readonly accessKeyParameterName: string;
  public readonly secretKeyParameterName: string;
  /** Whether the construct owns the keys (generated) or they are the user's (read-only to every part). */
  public readonly isGenerated: boolean;
  public readonly kmsKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: ClusterCredentialsProps) {
    super(scope, id);
    const names = props.credentials._parameterNames(props.parameterPrefix);
    this.accessKeyParameterName = names.accessKey;
    this.secretKeyParameterName = names.secretKey;
    this.isGenerated = props.credentials.isGenerated;
    this.kmsKey = props.credentials.kmsKey;

    // 'Default' keeps the resource's logical id what it was before the construct had parts.
    new CustomResource(this, 'Default', {
      serviceToken: props.functions.credentialsServiceToken,
      resourceType: 'Custom::AlluxioMinioCredentials',
      serviceTimeout: Duration.minutes(5),
      properties: {
        Mode: this.isGenerated ? 'generated' : 'existing',
        AccessKeyParameterName: names.accessKey,
        SecretKeyParameterName: names.secretKey,
        KmsKeyId: this.kmsKey?.keyArn,
        RemovalPolicy: props.removalPolicy === RemovalPolicy.DESTROY ? 'destroy' : 'retain',
      },
    });
    this.accessKeyParameter = ssm.StringParameter.fromSecureStringParameterAttributes(this, 'AccessKey', {
      parameterName: names.accessKey,
      encryptionKey: this.kmsKey,
    });
    this.secretKeyParameter = ssm.StringParameter.fromSecureStringParameterAttributes(this, 'SecretKey', {
      parameterName: names.secretKey,
      encryptionKey: this.kmsKey,
    });

    const functions = props.functions;
    for (const grantee of [functions.credentialsRole, functions.renderRole, functions.healthCheckRole]) this.grantRead(grantee);
    if (this.isGenerated) {
      functions.credentialsRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:PutParameter', 'ssm:DeleteParameter'],
          resources: [this.accessKeyParameter.parameterArn, this.secretKeyParameter.parameterArn],
        }),
      );
      this.kmsKey?.grantEncrypt(functions.credentialsRole);
      // Which key encrypts the existing parameters, so a key change is refused instead of half applied.
      allowDescribeParameters(functions.credentialsRole);
    }
  }

  /** Lets `grantee` read (and decrypt) the access key and secret key. */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const grant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resourceArns: [this.accessKeyParameter.parameterArn, this.secretKeyParameter.parameterArn],
    });
    this.kmsKey?.grantDecrypt(grantee);
    return grant;
  }
}

/**
 * Parameter metadata (tier, key id) is only visible through DescribeParameters, which IAM cannot scope
 * to a parameter; it returns metadata, never values.
 */
export function allowDescribeParameters(role: iam.IRole): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ssm:DescribeParameters'], resources: ['*'] }));
  acknowledgeNagFindings(role, [
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ssm:DescribeParameters has no resource-level permissions; it reads parameter metadata, never values.',
    },
  ]);
}
