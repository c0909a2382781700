/*
 * What a task's roles may read of the rendered configurations: the checks the S3 proxy's and the
 * preload task's construct tests share (both are clients of the master and get the key-free twin).
 */

type Resources = Record<string, { Type: string; Properties?: any }>;

/** Every IAM statement attached to the execution role and the task role of `taskDefinition`. */
export function taskRoleStatements(resources: Resources, taskDefinition: { Properties?: any }): any[] {
  const roleIds = [taskDefinition.Properties.ExecutionRoleArn, taskDefinition.Properties.TaskRoleArn].map((arn: any) => arn['Fn::GetAtt'][0]);
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as any[]).some((role) => roleIds.includes(role.Ref)))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as any[]);
}

/**
 * The SSM parameters those statements name, as text: each the GetAtt of the render resource it reads
 * (`ParameterName`, `KeyFreeParameterName`) or the path of a wildcard.
 */
export function ssmResourcesOf(statements: any[]): string[] {
  return statements
    .filter((s) => [s.Action].flat().some((a: string) => a.startsWith('ssm:')))
    .flatMap((s) => [s.Resource].flat())
    .map((resource) => {
      const text = JSON.stringify(resource);
      const attribute = /"Fn::GetAtt":\["\w*SiteProperties\w*","(\w+)"\]/.exec(text);
      if (attribute) return attribute[1];
      return /:parameter\/([^"]*)"/.exec(text)?.[1] ?? text;
    });
}
