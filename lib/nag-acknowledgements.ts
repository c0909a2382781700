import { CfnResource } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** One cdk-nag rule this construct breaks on purpose, and why. */
export interface NagAcknowledgement {
  /** The rule id, e.g. `AwsSolutions-IAM5`. */
  readonly id: string;
  /** Why the finding is acceptable here; cdk-nag prints it in its report. */
  readonly reason: string;
  /** For rules that report individual findings (IAM4/IAM5), which ones; `regex:` entries allowed. */
  readonly appliesTo?: string[];
}

/**
 * Records acknowledgements in the `cdk_nag` metadata of every CloudFormation resource under `scope`,
 * the format cdk-nag reads. Writing the metadata ourselves keeps cdk-nag out of the library's
 * runtime dependencies while users who run it see no unexplained finding.
 */
export function acknowledgeNagFindings(scope: IConstruct, acknowledgements: NagAcknowledgement[]): void {
  for (const node of scope.node.findAll()) {
    if (!CfnResource.isCfnResource(node)) continue;
    const existing = (node.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined)?.rules_to_suppress ?? [];
    const added = acknowledgements.map((a) => ({
      id: a.id,
      reason: a.reason,
      ...(a.appliesTo ? { applies_to: a.appliesTo } : {}),
    }));
    node.addMetadata('cdk_nag', { rules_to_suppress: [...existing, ...added] });
  }
}
