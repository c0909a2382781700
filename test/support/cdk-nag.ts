import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Synthesizes `app` under cdk-nag's AwsSolutions checks and returns the plugin's report: '' when
 * every finding is acknowledged. The plugin reports by interrupting synthesis, so its message is
 * the report.
 */
export function cdkNagReport(app: App): string {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (error) {
    return (error as Error).message;
  }
  return '';
}
