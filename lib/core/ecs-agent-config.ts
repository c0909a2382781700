/**
 * What the construct's EC2 hosts (the NVMe workers and the provisioned MinIO) write into the ECS
 * container agent's configuration file from their user data. The ECS-optimized AMI starts the agent
 * after cloud-init's user data, so the settings hold from the agent's first start.
 */

export const ECS_AGENT_CONFIG_FILE = '/etc/ecs/ecs.config';

/**
 * The agent settings every host gets.
 *
 * ECS_AWSVPC_BLOCK_IMDS: every task of the construct runs in awsvpc mode, and such a task on an EC2 host
 * reaches the instance metadata service, and through it the credentials of the host's role, unless the
 * agent blocks it. The ECS Developer Guide names this variable as the defence ("Amazon EC2 container
 * instance security considerations", docs.aws.amazon.com/AmazonECS/latest/developerguide/ec2-security-considerations.html);
 * the agent reads it as a boolean defaulting to false (aws/amazon-ecs-agent, agent/config/config.go,
 * environmentConfig: `AWSVPCBlockInstanceMetdata`). The task role's credentials come from the agent's own endpoint
 * (169.254.170.2), not the metadata service, so the tasks keep them. aws-cdk-lib 2.271's
 * `addAsgCapacityProvider` writes only ECS_CLUSTER.
 */
export const ECS_HOST_AGENT_SETTINGS: Readonly<Record<string, string>> = {
  ECS_AWSVPC_BLOCK_IMDS: 'true',
};

/** The user data commands that append the settings to the agent's configuration file. */
export function ecsAgentSettingsUserData(settings: Readonly<Record<string, string>> = ECS_HOST_AGENT_SETTINGS, file: string = ECS_AGENT_CONFIG_FILE): string[] {
  return Object.entries(settings).map(([name, value]) => `echo '${name}=${value}' >> '${file}'`);
}
