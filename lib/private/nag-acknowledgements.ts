import { CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** One cdk-nag finding this construct causes on purpose, and why it is acceptable. */
export interface NagAcknowledgement {
  /** The rule id, or for rules with several findings per resource the finding id, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  /** Why; cdk-nag prints it in its audit trail. */
  readonly reason: string;
}

/**
 * Acknowledges findings through aws-cdk-lib's own `Validations` API, which cdk-nag v3 reads: users who
 * run cdk-nag see no unexplained finding, and the library needs no cdk-nag dependency at run time.
 */
export function acknowledgeNagFindings(scope: IConstruct, acknowledgements: NagAcknowledgement[]): void {
  // cdk-nag registers its findings under the pack's name.
  Validations.of(scope).acknowledge(...acknowledgements.map((a) => ({ id: `AwsSolutions::${a.id}`, reason: a.reason })));
}

/**
 * The finding id cdk-nag gives a wildcard over every version of a resource's ARN (`<Arn>:*`), which
 * the Provider framework grants on the handlers it invokes. The id embeds the resource's logical id.
 */
export function arnWildcardFinding(resource: IConstruct): string {
  const cfn = (resource.node.defaultChild ?? resource) as CfnElement;
  return `AwsSolutions-IAM5[Resource::<${Stack.of(resource).resolve(cfn.logicalId)}.Arn>:*]`;
}

/**
 * The finding id cdk-nag gives a wildcard over SSM parameters under `path` (`<path>/*`): cdk-nag
 * writes the pseudo parameters of an environment-agnostic stack as `<AWS::Region>` and the literal
 * values of a stack with an environment.
 */
export function parameterPathWildcardFinding(scope: IConstruct, path: string): string {
  const stack = Stack.of(scope);
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  return `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${region}:${account}:parameter${path}/*]`;
}

/** The findings the role of an ECS container host (aws-cdk-lib's ECS agent policy) has on purpose. */
export function acknowledgeEcsHostRoleFindings(hostRole: IConstruct): void {
  acknowledgeNagFindings(hostRole, [
    {
      id: 'AwsSolutions-IAM5[Action::ecs:Submit*]',
      reason: 'The ECS agent policy aws-cdk-lib gives container hosts: report task and container state for this cluster.',
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ECS agent essentials (discover poll endpoint, ECR token, log streams) have no resource-level permissions.',
    },
  ]);
}
