/**
 * Resource type tokens the pack checks. The pack matches tokens, not SDK classes, so it loads
 * neither provider SDK and one pack serves GCP, AWS and Kubernetes stacks alike.
 */
export const TYPES = {
  cloudRunService: "gcp:cloudrunv2/service:Service",
  cloudRunIamMember: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
  cloudRunIamBinding: "gcp:cloudrunv2/serviceIamBinding:ServiceIamBinding",
  cloudRunIamPolicy: "gcp:cloudrunv2/serviceIamPolicy:ServiceIamPolicy",
  urlMap: "gcp:compute/uRLMap:URLMap",
  gcsBucket: "gcp:storage/bucket:Bucket",
  gcsBucketGrants: [
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "gcp:storage/bucketIAMBinding:BucketIAMBinding",
  ],
  alertPolicy: "gcp:monitoring/alertPolicy:AlertPolicy",
  prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
  /**
   * Managed Service for Prometheus rule objects (same `spec.groups` as a PrometheusRule):
   * https://github.com/GoogleCloudPlatform/prometheus-engine/blob/main/doc/api.md#rules
   */
  managedPrometheusRules: [
    "kubernetes:monitoring.googleapis.com/v1:GlobalRules",
    "kubernetes:monitoring.googleapis.com/v1:ClusterRules",
    "kubernetes:monitoring.googleapis.com/v1:Rules",
  ],
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  lbListener: ["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
  lbListenerRule: ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"],
  loadBalancer: ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"],
  targetGroup: ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"],
  ecsService: "aws:ecs/service:Service",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  securityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  docdbCluster: "aws:docdb/cluster:Cluster",
  docdbParameterGroup: "aws:docdb/clusterParameterGroup:ClusterParameterGroup",
  rdsCluster: "aws:rds/cluster:Cluster",
  rdsInstance: "aws:rds/instance:Instance",
  elasticacheReplicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  elasticacheCluster: "aws:elasticache/cluster:Cluster",
  s3Bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  s3Encryption: [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ],
  s3BucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  ecrRepository: "aws:ecr/repository:Repository",
} as const;

export function isOneOf(type: string, tokens: string | readonly string[]): boolean {
  return typeof tokens === "string" ? type === tokens : tokens.includes(type);
}

/** `aws:lb/listener:Listener` + name → `Listener "name"`: how messages name a resource. */
export function describe(resource: { type: string; name: string }): string {
  const kind = resource.type.split(":").pop() ?? resource.type;
  return `${kind} "${resource.name}"`;
}
