import { Template } from 'aws-cdk-lib/assertions';

/**
 * The statements of every IAM policy attached to the role whose logical id is `roleId` plus the
 * 8-character hash CDK appends (so 'CacheRole' does not also match 'CacheRoleOther...').
 */
export function roleStatementsOf(template: Template, roleId: string): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy: any) =>
      (policy.Properties.Roles as Array<{ Ref?: string }>).some((role) => role.Ref?.startsWith(roleId) && /^[0-9A-F]{8}$/.test(role.Ref.slice(roleId.length))),
    )
    .flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
}
