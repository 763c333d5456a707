import type { PolicyResource } from "@pulumi/policy";
import {
  NoSettingsSchema,
  ProductionDatabasesConfigSchema,
  PublicIngressConfigSchema,
  SshConfigSchema,
  TlsPolicyConfigSchema,
} from "./config";
import { type IonPolicy, ofType, resourcePolicy, stackPolicy } from "./define";
import {
  INGRESS_TYPES,
  INTERNET,
  ingressRules,
  loadBalancerGroups,
  opensPort,
  portRange,
} from "./readers/ingress";
import { bool, list, num, type Props, record, records, text } from "./readers/props";
import { stageOf } from "./readers/stage";
import { describe, TYPES } from "./types";

/** AWS security policies (the staging runbook's checklist). */

/** Whether `dependent` refers to `target` (engine dependencies, or a property that names it). */
function refersTo(dependent: PolicyResource, target: PolicyResource, property: string): boolean {
  return (
    (dependent.propertyDependencies[property] ?? []).includes(target) ||
    dependent.dependencies.includes(target)
  );
}

export const documentDbEncrypted = stackPolicy(
  {
    name: "documentdb-encrypted",
    description:
      "DocumentDB clusters encrypt storage at rest (storageEncrypted) and keep TLS on (no cluster parameter group with tls=disabled).",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
      "Set storageEncrypted: true (optionally kmsKeyId) on the cluster and tls=enabled in its cluster parameter group.",
    settings: NoSettingsSchema,
  },
  (resources, _settings, report, args) => {
    const clusters = ofType(resources, TYPES.docdbCluster);
    if (clusters.length === 0) args.notApplicable("the stack declares no DocumentDB cluster");
    const groups = ofType(resources, TYPES.docdbParameterGroup);
    for (const cluster of clusters) {
      if (bool(cluster.props.storageEncrypted) !== true) {
        report(
          "storageEncrypted is not true, so the data and its backups sit unencrypted at rest. Fix: set storageEncrypted: true (and kmsKeyId for a customer key); on an existing cluster this needs a snapshot restore.",
          cluster,
        );
      }
      const groupName = text(cluster.props.dbClusterParameterGroupName);
      const group = groups.find(
        (candidate) =>
          refersTo(cluster, candidate, "dbClusterParameterGroupName") ||
          (groupName !== undefined && text(candidate.props.name) === groupName),
      );
      const tls = records(group?.props.parameters).find((parameter) => parameter.name === "tls");
      if (group && tls && text(tls.value) !== "enabled") {
        report(
          `its cluster parameter group ${describe(group)} sets tls=${String(tls.value)}, so clients may connect in plaintext. Fix: set the parameter tls to "enabled" (clients then connect with tls=true and the RDS CA bundle).`,
          cluster,
        );
      }
    }
  },
);

export const elastiCacheEncrypted = resourcePolicy(
  {
    name: "elasticache-encrypted",
    description:
      "ElastiCache replication groups encrypt at rest and in transit (TLS required, not 'preferred'); single-node clusters, which cannot encrypt at rest, are refused.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
      "Use a replication group with atRestEncryptionEnabled: true, transitEncryptionEnabled: true and an AUTH token.",
    settings: NoSettingsSchema,
  },
  [TYPES.elasticacheReplicationGroup, TYPES.elasticacheCluster],
  (props, _settings, report, args) => {
    if (args.type === TYPES.elasticacheCluster) {
      if (text(props.replicationGroupId) !== undefined) return; // a member of a checked group
      report(
        "is a standalone cache cluster, which cannot encrypt at rest. Fix: declare an aws.elasticache.ReplicationGroup with atRestEncryptionEnabled and transitEncryptionEnabled instead.",
      );
      return;
    }
    if (bool(props.atRestEncryptionEnabled) !== true) {
      report(
        "atRestEncryptionEnabled is not true, so cached data and snapshots are stored unencrypted. Fix: set atRestEncryptionEnabled: true (replaces the group).",
      );
    }
    if (bool(props.transitEncryptionEnabled) !== true) {
      report(
        "transitEncryptionEnabled is not true, so Redis traffic (and its AUTH token) crosses the network in plaintext. Fix: set transitEncryptionEnabled: true with an authToken.",
      );
    } else if (text(props.transitEncryptionMode) === "preferred") {
      report(
        'transitEncryptionMode is "preferred", which still accepts plaintext clients. Fix: set transitEncryptionMode: "required" (or leave it unset).',
      );
    }
  },
);

/** A bucket policy statement that denies requests without TLS (`aws:SecureTransport` false). */
function deniesInsecureTransport(policy: unknown): boolean {
  let document: unknown = policy;
  if (typeof policy === "string") {
    try {
      document = JSON.parse(policy);
    } catch {
      return false;
    }
  }
  const statements = list(record(document).Statement).length
    ? records(record(document).Statement)
    : [record(record(document).Statement)];
  return statements.some((statement) => {
    const condition = JSON.stringify(statement.Condition ?? {});
    return (
      statement.Effect === "Deny" && condition.includes("aws:SecureTransport") && /false/.test(condition)
    );
  });
}

export const s3Encrypted = stackPolicy(
  {
    name: "s3-encrypted",
    description:
      "S3 buckets declare default server-side encryption (AES256 or aws:kms) and a bucket policy denying requests without TLS (aws:SecureTransport=false).",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Add an aws.s3.BucketServerSideEncryptionConfiguration and an aws.s3.BucketPolicy with a Deny on aws:SecureTransport=false for the bucket.",
    settings: NoSettingsSchema,
  },
  (resources, _settings, report, args) => {
    const buckets = ofType(resources, TYPES.s3Bucket);
    if (buckets.length === 0) args.notApplicable("the stack declares no S3 bucket");
    const encryptions = ofType(resources, TYPES.s3Encryption);
    const policies = ofType(resources, TYPES.s3BucketPolicy);
    for (const bucket of buckets) {
      const inline = records(record(bucket.props.serverSideEncryptionConfiguration).rules).length > 0;
      const encryption = encryptions.find((candidate) => refersTo(candidate, bucket, "bucket"));
      const algorithms = records(encryption?.props.rules).map((rule) =>
        text(record(rule.applyServerSideEncryptionByDefault).sseAlgorithm),
      );
      if (!inline && (!encryption || !algorithms.some((algorithm) => algorithm !== undefined))) {
        report(
          "has no default server-side encryption declared, so nothing in the stack guarantees AES-256 at rest. Fix: add an aws.s3.BucketServerSideEncryptionConfiguration for it with sseAlgorithm AES256 (or aws:kms).",
          bucket,
        );
      }
      const tlsOnly = policies.some(
        (policy) => refersTo(policy, bucket, "bucket") && deniesInsecureTransport(policy.props.policy),
      );
      if (!tlsOnly) {
        report(
          'accepts plain-HTTP requests: no bucket policy denies aws:SecureTransport=false. Fix: add an aws.s3.BucketPolicy with a statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucket, bucket/*], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
          bucket,
        );
      }
    }
  },
);

export const noPublicIngressExceptLoadBalancer = stackPolicy(
  {
    name: "no-public-ingress-except-load-balancer",
    description:
      "No security group admits 0.0.0.0/0 or ::/0, except the load balancer's group on its web ports (80 for the HTTPS redirect, 443).",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
      "Admit the internet only on the ALB's security group (80/443); let the app, databases and caches admit only the security group in front of them.",
    settings: PublicIngressConfigSchema,
  },
  (resources, settings, report, args) => {
    const rules = ofType(resources, INGRESS_TYPES).flatMap((resource) => ingressRules(resource));
    if (rules.length === 0) args.notApplicable("the stack declares no ingress rule");
    const balancerGroups = loadBalancerGroups(resources);
    for (const rule of rules) {
      const open = rule.cidrs.filter((cidr) => INTERNET.includes(cidr));
      if (open.length === 0) continue;
      const onLoadBalancer = rule.group !== undefined && balancerGroups.has(rule.group as PolicyResource);
      const webPortOnly =
        rule.protocol === "tcp" &&
        rule.fromPort === rule.toPort &&
        settings.publicPorts.includes(rule.fromPort);
      if (onLoadBalancer && webPortOnly) continue;
      const what = onLoadBalancer
        ? `opens ${portRange(rule)} on the load balancer's security group to ${open.join(", ")}; only ports ${settings.publicPorts.join(", ")} may face the internet`
        : `opens ${portRange(rule)} to ${open.join(", ")} on a security group no load balancer uses${rule.group ? ` (${describe(rule.group)})` : ""}`;
      report(
        `${rule.where} ${what}. Fix: admit the source security group in front of it (referencedSecurityGroupId / securityGroups) instead of the internet; only the ALB's group takes 0.0.0.0/0 on ${settings.publicPorts.join("/")}.`,
        rule.resource,
      );
    }
  },
);

export const noSshIngress = resourcePolicy(
  {
    name: "no-ssh-ingress",
    description:
      "No security group rule opens SSH (port 22), from anywhere: use SSM Session Manager or ECS Exec instead of SSH.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Remove the rule; reach hosts and tasks with SSM Session Manager / ECS Exec.",
    settings: SshConfigSchema,
  },
  INGRESS_TYPES,
  (props, settings, report, args) => {
    for (const rule of ingressRules({ type: args.type, props })) {
      const ports = settings.sshPorts.filter((port) => opensPort(rule, port));
      if (ports.length === 0) continue;
      const sources = rule.cidrs.length > 0 ? rule.cidrs.join(", ") : "its sources";
      report(
        `${rule.where} (${portRange(rule)}) admits SSH on port ${ports.join(", ")} from ${sources}; the runbook allows SSH from nowhere. Fix: narrow the rule to the service's own port${rule.protocol === "-1" ? " and protocol tcp" : ""}, and use SSM Session Manager or ECS Exec for shell access.`,
      );
    }
  },
);

export const albListenersHttpsModernTls = resourcePolicy(
  {
    name: "alb-listeners-https-modern-tls",
    description:
      "ALB listeners serve HTTPS with a TLS 1.2+ forward-secret security policy; a plain-HTTP listener may only redirect to HTTPS.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps:
      "Use protocol HTTPS with sslPolicy ELBSecurityPolicy-TLS13-1-2-2021-06 and a certificate; make port 80 a redirect to HTTPS.",
    settings: TlsPolicyConfigSchema,
  },
  TYPES.lbListener,
  (props, settings, report) => {
    const protocol = text(props.protocol)?.toUpperCase();
    if (protocol === "HTTPS" || protocol === "TLS") {
      const policy = text(props.sslPolicy);
      if (policy === undefined || !settings.allowedSslPolicies.includes(policy)) {
        report(
          `serves ${protocol} with ${policy ? `sslPolicy ${policy}` : "no sslPolicy (AWS's default, which allows older TLS)"}, not a modern one. Fix: set sslPolicy to ${settings.allowedSslPolicies[0]} (allowed: ${settings.allowedSslPolicies.join(", ")}).`,
        );
      }
      return;
    }
    if (protocol === "HTTP") {
      const actions = records(props.defaultActions);
      const redirectsOnly =
        actions.length > 0 &&
        actions.every(
          (action) =>
            action.type === "redirect" && text(record(action.redirect).protocol)?.toUpperCase() === "HTTPS",
        );
      if (!redirectsOnly) {
        report(
          `listens on plain HTTP (port ${String(num(props.port) ?? props.port)}) and does more than redirect to HTTPS, so requests and cookies cross the internet unencrypted. Fix: make its only default action { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } } and serve traffic on an HTTPS listener.`,
        );
      }
    }
  },
);

export const ecrScanOnPush = resourcePolicy(
  {
    name: "ecr-scan-on-push",
    description:
      "ECR repositories scan every image on push, so a vulnerable image is flagged before it is deployed.",
    enforcementLevel: "mandatory",
    severity: "medium",
    remediationSteps: "Set imageScanningConfiguration: { scanOnPush: true } on the repository.",
    settings: NoSettingsSchema,
  },
  TYPES.ecrRepository,
  (props, _settings, report) => {
    if (bool(record(props.imageScanningConfiguration).scanOnPush) === true) return;
    report(
      "does not scan images on push (imageScanningConfiguration.scanOnPush is not true), so vulnerable images reach ECS unflagged. Fix: set imageScanningConfiguration: { scanOnPush: true }.",
    );
  },
);

const DATABASE_TYPES = [TYPES.docdbCluster, TYPES.rdsCluster, TYPES.rdsInstance];

export const productionDatabasesProtected = resourcePolicy(
  {
    name: "production-databases-protected",
    description:
      "Databases of production stages (DocumentDB, RDS) have deletion protection, keep backups for at least 7 days and take a final snapshot on delete.",
    enforcementLevel: "mandatory",
    severity: "critical",
    remediationSteps:
      "Set deletionProtection: true, backupRetentionPeriod >= 7 and skipFinalSnapshot: false on the cluster.",
    settings: ProductionDatabasesConfigSchema,
  },
  DATABASE_TYPES,
  (props, settings, report, args) => {
    const stage = stageOf(props as Props, args.stackTags, args.provider) ?? settings.defaultStage;
    if (!settings.productionStages.includes(stage)) return;
    const where = `belongs to production stage ${stage}`;
    if (bool(props.deletionProtection) !== true) {
      report(
        `${where} but deletionProtection is not true, so one mistaken destroy or replacement deletes it. Fix: set deletionProtection: true.`,
      );
    }
    const retention = num(props.backupRetentionPeriod) ?? 1;
    if (retention < settings.minBackupRetentionDays) {
      report(
        `${where} but keeps backups for ${retention} day(s), fewer than ${settings.minBackupRetentionDays}. Fix: set backupRetentionPeriod: ${settings.minBackupRetentionDays} or more.`,
      );
    }
    if (bool(props.skipFinalSnapshot) === true) {
      report(
        `${where} but skipFinalSnapshot is true. Fix: set skipFinalSnapshot: false and a finalSnapshotIdentifier.`,
      );
    }
  },
);

export const awsSecurityPolicies: IonPolicy[] = [
  documentDbEncrypted,
  elastiCacheEncrypted,
  s3Encrypted,
  noPublicIngressExceptLoadBalancer,
  noSshIngress,
  albListenersHttpsModernTls,
  ecrScanOnPush,
  productionDatabasesProtected,
];
