import { describe, expect, it } from "vitest";
import { type RenderedStage, renderStage } from "../../src/synth/render";
import { redact } from "../../src/synth/secrets";
import { byArn, byId, defined, inputs, mockArn, ofType, one, stagingWith, TYPES } from "./fixtures";

const SECRETS = {
  docdbMasterPassword: "docdb-test-pass#42",
  redisAuthToken: "redis-test-auth-token-0123456789",
};

/** Every input of every resource with its secret paths replaced: what anyone may read in state. */
function publicText(rendered: RenderedStage): string {
  return JSON.stringify(rendered.resources.map((resource) => redact(resource.inputs, resource.secretPaths)));
}

describe("AWS staging data stores", async () => {
  const config = stagingWith();
  const aws = defined(config.aws);
  const rendered = await renderStage(config, { secrets: SECRETS });
  const key = one(rendered, TYPES.kmsKey);

  it("DocumentDB: configured instances and class, storage encrypted with the stage key, logs exported", () => {
    const cluster = inputs(one(rendered, TYPES.docdbCluster));
    expect(cluster).toMatchObject({
      engine: "docdb",
      storageEncrypted: true,
      backupRetentionPeriod: aws.documentDb.backupRetentionDays,
      deletionProtection: aws.documentDb.deletionProtection,
      skipFinalSnapshot: false,
      enabledCloudwatchLogsExports: ["audit", "profiler"],
      port: 27017,
    });
    expect(cluster.backupRetentionPeriod).toBeGreaterThanOrEqual(1);
    expect(cluster.kmsKeyId).toBe(mockArn(key));
    const instances = ofType(rendered, TYPES.docdbInstance).map(inputs);
    expect(instances).toHaveLength(aws.documentDb.instances);
    expect(aws.documentDb.instances).toBe(3);
    for (const instance of instances) expect(instance.instanceClass).toBe("db.t3.medium");
  });

  it("DocumentDB: TLS enforced by the cluster's parameter group", () => {
    const cluster = inputs(one(rendered, TYPES.docdbCluster));
    const parameters = ofType(rendered, TYPES.docdbParameters).find(
      (group) => `${group.name}` === cluster.dbClusterParameterGroupName,
    );
    expect(parameters).toBeDefined();
    expect(inputs(defined(parameters)).parameters).toContainEqual({ name: "tls", value: "enabled" });
    expect(inputs(defined(parameters)).family).toBe("docdb5.0");
  });

  it("Redis: two nodes, encrypted at rest and in transit, AUTH required, failover across zones", () => {
    const redis = inputs(one(rendered, TYPES.redis));
    expect(redis).toMatchObject({
      engine: "redis",
      nodeType: "cache.t3.micro",
      numCacheClusters: 2,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
      transitEncryptionMode: "required",
      automaticFailoverEnabled: true,
      multiAzEnabled: true,
      authTokenUpdateStrategy: aws.redis.authTokenUpdateStrategy,
      port: 6379,
    });
    expect(redis.kmsKeyId).toBe(mockArn(key));
    expect(redis.description).toBe("ion-deploy staging: cache");
  });

  it("credentials are secret inputs, secret outputs, and never readable elsewhere", () => {
    const cluster = one(rendered, TYPES.docdbCluster);
    const redis = one(rendered, TYPES.redis);
    expect(cluster.secretPaths).toContain("masterPassword");
    expect(inputs(cluster).masterPassword).toBe(SECRETS.docdbMasterPassword);
    expect(redis.secretPaths).toContain("authToken");
    expect(inputs(redis).authToken).toBe(SECRETS.redisAuthToken);
    for (const version of ofType(rendered, TYPES.secretVersion))
      expect(version.secretPaths).toEqual(["secretString"]);
    // Credentials are never stack outputs (the app and people read Secrets Manager by ARN).
    expect(rendered.secretOutputs).toEqual([]);
    expect(Object.keys(rendered.outputs)).not.toEqual(expect.arrayContaining(["docdbMasterPassword"]));
    expect(Object.keys(rendered.outputs)).not.toEqual(expect.arrayContaining(["redisAuthToken"]));
    const visible = publicText(rendered);
    for (const value of Object.values(SECRETS)) {
      expect(visible).not.toContain(value);
      expect(visible).not.toContain(encodeURIComponent(value));
    }
    // The tasks get them from Secrets Manager by ARN, not in their definition.
    for (const task of ofType(rendered, TYPES.taskDefinition)) expect(task.secretPaths).toEqual([]);
  });

  it("every bucket: encrypted, every public access block on, plain HTTP denied; file storage versioned", () => {
    const buckets = ofType(rendered, TYPES.bucket);
    expect(buckets.map((bucket) => bucket.name).sort()).toEqual([
      "staging-alb-logs",
      "staging-files",
      "staging-rollout-store",
    ]);
    for (const bucket of buckets) {
      const id = `${bucket.name}-id`;
      const encryption = ofType(rendered, TYPES.bucketEncryption)
        .map(inputs)
        .find((e) => e.bucket === id);
      expect(encryption.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("AES256");
      const block = ofType(rendered, TYPES.publicAccessBlock)
        .map(inputs)
        .find((b) => b.bucket === id);
      expect(block).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
      const policy = JSON.parse(
        ofType(rendered, TYPES.bucketPolicy)
          .map(inputs)
          .find((p) => p.bucket === id).policy,
      );
      expect(policy.Statement).toContainEqual(
        expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      );
    }
    const versioning = ofType(rendered, TYPES.versioning).map(inputs);
    expect(versioning).toEqual([
      expect.objectContaining({ bucket: "staging-files-id", versioningConfiguration: { status: "Enabled" } }),
    ]);
  });

  it("ECR: scan on push, immutable tags; the stage key rotates", () => {
    expect(inputs(one(rendered, TYPES.ecr))).toMatchObject({
      name: config.service.name,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
    });
    expect(inputs(key).enableKeyRotation).toBe(true);
  });

  it("IAM: no wildcard action; a wildcard resource only for the ECR login", () => {
    for (const rolePolicy of ofType(rendered, TYPES.rolePolicy)) {
      const document = JSON.parse(inputs(rolePolicy).policy);
      for (const statement of document.Statement) {
        const actions = [statement.Action].flat();
        expect(actions.some((action: string) => action.includes("*"))).toBe(false);
        if ([statement.Resource].flat().includes("*")) expect(actions).toEqual(["ecr:GetAuthorizationToken"]);
      }
    }
  });

  it("the task role reaches only the file storage bucket", () => {
    const taskRole = one(rendered, TYPES.role, "staging-app-task");
    const policy = ofType(rendered, TYPES.rolePolicy).find((p) => inputs(p).role === `${taskRole.name}-id`);
    const resources = JSON.parse(inputs(defined(policy)).policy).Statement.flatMap(
      (s: { Resource: unknown }) => [s.Resource].flat(),
    );
    const files = one(rendered, TYPES.bucket, "staging-files");
    expect(resources.sort()).toEqual([mockArn(files), `${mockArn(files)}/*`].sort());
    expect(
      byArn(
        rendered,
        resources.find((r: string) => !r.endsWith("/*")),
        TYPES.bucket,
      ).name,
    ).toBe("staging-files");
    expect(byId(rendered, inputs(defined(policy)).role, TYPES.role).name).toBe("staging-app-task");
  });
});

describe("AWS staging data stores, a variant: no HA, no deletion protection, KMS files, no configured secrets", async () => {
  const config = stagingWith(
    {},
    {
      highAvailability: false,
      documentDb: { instances: 1, deletionProtection: false },
      redis: { nodes: 1 },
      storage: { encryption: "aws:kms" },
    },
  );
  const rendered = await renderStage(config, {
    secrets: { docdbMasterPassword: undefined, redisAuthToken: undefined },
  });

  it("one DocumentDB instance without deletion protection, one Redis node without failover", () => {
    expect(ofType(rendered, TYPES.docdbInstance)).toHaveLength(1);
    expect(inputs(one(rendered, TYPES.docdbCluster)).deletionProtection).toBe(false);
    expect(inputs(one(rendered, TYPES.redis))).toMatchObject({
      numCacheClusters: 1,
      automaticFailoverEnabled: false,
      multiAzEnabled: false,
      atRestEncryptionEnabled: true,
      transitEncryptionEnabled: true,
    });
  });

  it("the credentials are generated and still secret", () => {
    expect(ofType(rendered, TYPES.randomPassword)).toHaveLength(2);
    expect(one(rendered, TYPES.docdbCluster).secretPaths).toContain("masterPassword");
    expect(one(rendered, TYPES.redis).secretPaths).toContain("authToken");
    // Credentials are never stack outputs (the app and people read Secrets Manager by ARN).
    expect(rendered.secretOutputs).toEqual([]);
    expect(Object.keys(rendered.outputs)).not.toEqual(expect.arrayContaining(["docdbMasterPassword"]));
    expect(Object.keys(rendered.outputs)).not.toEqual(expect.arrayContaining(["redisAuthToken"]));
    for (const password of ofType(rendered, TYPES.randomPassword)) {
      expect(inputs(password).overrideSpecial).not.toMatch(/[/"@ ]/);
    }
    const generated = inputs(one(rendered, TYPES.docdbCluster)).masterPassword;
    expect(publicText(rendered)).not.toContain(generated);
  });

  it("file storage is encrypted with the stage key", () => {
    const rule = ofType(rendered, TYPES.bucketEncryption)
      .map(inputs)
      .find((e) => e.bucket === "staging-files-id").rules[0];
    expect(rule.applyServerSideEncryptionByDefault).toEqual({
      sseAlgorithm: "aws:kms",
      kmsMasterKeyId: mockArn(one(rendered, TYPES.kmsKey)),
    });
  });
});
