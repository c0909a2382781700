import { PutMetricDataCommand, StandardUnit } from '@aws-sdk/client-cloudwatch';
import { PublishCommand } from '@aws-sdk/client-sns';
import { FAILURE_METRIC, isFailureOutcome, METRIC_DIMENSION, rotationRecordTags, RotationState, SUCCESS_METRIC } from '../core/rotation-plan';
import { tagParameter } from './parameter-labels';
import { RotationClients, RotationConfig, RotationProgress, RotationResult, RotationTrigger } from './rotation-types';

/** SNS, CloudWatch and the configuration parameter's tags; a reporting fault is logged, never thrown. */
export async function reportRotation(
  config: RotationConfig,
  clients: RotationClients,
  result: RotationResult,
  trigger: RotationTrigger,
  liveParameterName: string | undefined,
  onProgress: (progress: RotationProgress) => void,
): Promise<void> {
  const { parameters } = config;
  onProgress({
    step: 'outcome',
    outcome: result.outcome,
    code: result.code,
    reason: result.reason,
    restarted: result.restarted,
    durationMs: result.durationMs,
  });
  // Nothing happened: in sync, or a deployment is in progress (the schedule comes back).
  if (result.outcome === 'in-sync' || result.outcome === 'deferred') return;
  const failed = isFailureOutcome(result.outcome);
  const attempts: Array<[string, () => Promise<unknown>]> = [];
  if (clients.cloudwatch) {
    const dimensions = [{ Name: METRIC_DIMENSION, Value: parameters.sitePropertiesBaseName }];
    attempts.push([
      'metric',
      () =>
        clients.cloudwatch!.send(
          new PutMetricDataCommand({
            Namespace: config.metricNamespace,
            MetricData: [
              { MetricName: SUCCESS_METRIC, Dimensions: dimensions, Unit: StandardUnit.Count, Value: failed ? 0 : 1 },
              { MetricName: FAILURE_METRIC, Dimensions: dimensions, Unit: StandardUnit.Count, Value: failed ? 1 : 0 },
            ],
          }),
        ),
    ]);
  }
  if (clients.sns && config.topicArn) {
    const message = {
      outcome: result.outcome,
      code: result.code,
      reason: result.reason,
      trigger: trigger.kind,
      triggeredBy: trigger.parameterName,
      accessKeyParameter: { name: parameters.accessKeyParameterName, version: result.accessKeyVersion },
      secretKeyParameter: { name: parameters.secretKeyParameterName, version: result.secretKeyVersion },
      siteProperties: liveParameterName ?? parameters.sitePropertiesBaseName,
      restarted: result.restarted,
      durationMs: result.durationMs,
    };
    attempts.push([
      'sns',
      () =>
        clients.sns!.send(
          new PublishCommand({
            TopicArn: config.topicArn,
            Subject: `Alluxio MinIO credential rotation: ${result.outcome}`.slice(0, 100),
            Message: JSON.stringify(message),
          }),
        ),
    ]);
  }
  // The record sits on the configuration the cluster runs (where `alluxio-minio status` finds it).
  if (liveParameterName !== undefined) {
    attempts.push([
      'tags',
      () =>
        tagParameter(
          clients.ssm,
          liveParameterName,
          rotationRecordTags({
            outcome: result.outcome,
            at: new Date().toISOString(),
            accessKeyVersion: result.accessKeyVersion,
            secretKeyVersion: result.secretKeyVersion,
            code: result.code,
          }),
        ),
    ]);
  }
  for (const [what, attempt] of attempts) {
    try {
      await attempt();
    } catch (error) {
      onProgress({ step: 'report-failed', what, error: error instanceof Error ? error.name : 'UnknownError' });
    }
  }
}

/** The key parameters' current and last-known-good versions, for progress lines. */
export function versionsOf(state: RotationState): Record<string, unknown> {
  return {
    accessKey: { current: state.accessKey.currentVersion, labelled: state.accessKey.labelledVersion },
    secretKey: { current: state.secretKey.currentVersion, labelled: state.secretKey.labelledVersion },
  };
}
