import { describe, expect, it } from "vitest";
import { renderStage } from "../../src/synth/render";
import { byArn, byId, defined, inputs, mockArn, ofType, one, stagingWith, TYPES } from "./fixtures";

describe("AWS staging load balancer and services", async () => {
  const config = stagingWith();
  const aws = defined(config.aws);
  const rendered = await renderStage(config);
  // The public listeners; the canary-only test listener (:8443) has its own test (test/policies/test-listener.test.ts).
  const listeners = ofType(rendered, TYPES.listener)
    .map(inputs)
    .filter((listener) => listener.tags?.["ion-listener"] !== "test");
  const https = listeners.find((listener) => listener.protocol === "HTTPS");
  const http = listeners.find((listener) => listener.protocol === "HTTP");

  it("HTTPS on 443 with the configured certificate and TLS policy; HTTP on 80 only redirects", () => {
    expect(listeners).toHaveLength(2);
    expect(https).toMatchObject({
      port: 443,
      certificateArn: aws.alb.certificateArn,
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    });
    expect(http.port).toBe(80);
    expect(http.defaultActions).toEqual([
      { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ]);
    const alb = one(rendered, TYPES.loadBalancer);
    for (const listener of listeners)
      expect(byArn(rendered, listener.loadBalancerArn, TYPES.loadBalancer)).toBe(alb);
  });

  it("the HTTPS listener carries the rollout, stage and canary tags the policy pack reads", async () => {
    expect(https.tags).toEqual({ "ion-rollout": "idle", "ion-stage": "staging", "ion-canary": "green" });
    const stepping = await renderStage(stagingWith({ canaryWeight: 50, rolloutInProgress: true }));
    const steppingHttps = ofType(stepping, TYPES.listener)
      .map(inputs)
      .find((listener) => listener.protocol === "HTTPS" && listener.port === 443);
    expect(steppingHttps.tags["ion-rollout"]).toBe("in-progress");
  });

  it("the ALB is public in the public subnets, logs to its bucket, drops invalid headers", () => {
    const alb = inputs(one(rendered, TYPES.loadBalancer));
    expect(alb).toMatchObject({
      loadBalancerType: "application",
      internal: false,
      dropInvalidHeaderFields: true,
    });
    expect(alb.subnets.map((id: string) => inputs(byId(rendered, id, TYPES.subnet)).tags.tier)).toEqual([
      "public",
      "public",
    ]);
    expect(alb.securityGroups.map((id: string) => byId(rendered, id, TYPES.securityGroup).name)).toEqual([
      "staging-sg-alb",
    ]);
    expect(alb.accessLogs.enabled).toBe(true);
    expect(byId(rendered, alb.accessLogs.bucket, TYPES.bucket).name).toBe("staging-alb-logs");
  });

  it("target groups: ip targets on the service port, health checked on the health path every 30 s", () => {
    const groups = ofType(rendered, TYPES.targetGroup).map(inputs);
    expect(groups.map((group) => group.tags["ion-side"]).sort()).toEqual(["blue", "green"]);
    for (const group of groups) {
      expect(group).toMatchObject({ targetType: "ip", protocol: "HTTP", port: config.service.port });
      expect(group.healthCheck).toMatchObject({
        path: config.service.healthPath,
        interval: 30,
        unhealthyThreshold: config.thresholds.health?.rollbackAfterFailures,
        timeout: aws.alb.healthCheck.timeoutSeconds,
      });
      expect(group.deregistrationDelay).toBe(aws.alb.deregistrationDelaySeconds);
    }
  });

  it("blue runs the stable release and green the canary, each in its own target group, in private subnets", () => {
    const services = ofType(rendered, TYPES.ecsService);
    expect(services).toHaveLength(2);
    for (const [role, release] of Object.entries(config.releases)) {
      const service = inputs(defined(services.find((s) => inputs(s).tags["ion-role"] === role)));
      expect(service.tags["ion-side"]).toBe(release.name);
      expect(service).toMatchObject({ launchType: "FARGATE", desiredCount: aws.ecs.desiredCount });
      expect(aws.ecs.desiredCount).toBe(3);
      expect(service.networkConfiguration.assignPublicIp).toBe(false);
      expect(
        service.networkConfiguration.subnets.map(
          (id: string) => inputs(byId(rendered, id, TYPES.subnet)).tags.tier,
        ),
      ).toEqual(["private", "private"]);
      expect(
        service.networkConfiguration.securityGroups.map(
          (id: string) => byId(rendered, id, TYPES.securityGroup).name,
        ),
      ).toEqual(["staging-sg-app"]);
      const [binding] = service.loadBalancers;
      expect(inputs(byArn(rendered, binding.targetGroupArn, TYPES.targetGroup)).tags["ion-side"]).toBe(
        release.name,
      );
      expect(binding.containerPort).toBe(config.service.port);

      const task = inputs(byArn(rendered, service.taskDefinition, TYPES.taskDefinition));
      expect(task).toMatchObject({
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(aws.ecs.cpu),
        memory: String(aws.ecs.memory),
      });
      const [container] = JSON.parse(task.containerDefinitions);
      expect(container.image).toBe(release.image);
      expect(container.portMappings).toEqual([{ containerPort: config.service.port, protocol: "tcp" }]);
      // No container health check unless configured (test/aws/tls-health.test.ts): the target group's is used.
      expect(container.healthCheck).toBeUndefined();
      expect(container.logConfiguration.logDriver).toBe("awslogs");
      expect(container.logConfiguration.options["awslogs-region"]).toBe(aws.region);
      expect(container.secrets.map((s: { name: string }) => s.name).sort()).toEqual([
        "MONGO_URL",
        "REDIS_AUTH_TOKEN",
      ]);
      expect(container.environment).toContainEqual({ name: "ION_RELEASE", value: release.name });
    }
  });

  it("the execution role may read exactly the secrets the containers reference", () => {
    const [task] = ofType(rendered, TYPES.taskDefinition).map(inputs);
    const referenced = JSON.parse(task.containerDefinitions)[0].secrets.map(
      (s: { valueFrom: string }) => s.valueFrom,
    );
    const executionRole = byArn(rendered, task.executionRoleArn, TYPES.role);
    const policy = ofType(rendered, TYPES.rolePolicy).find(
      (p) => inputs(p).role === `${executionRole.name}-id`,
    );
    const statement = JSON.parse(inputs(defined(policy)).policy).Statement.find(
      (s: { Action: string }) => s.Action === "secretsmanager:GetSecretValue",
    );
    expect([...statement.Resource].sort()).toEqual([...referenced].sort());
  });

  it("exports the ALB DNS name, target group ARNs, endpoints; credentials only as secrets", () => {
    const groups = ofType(rendered, TYPES.targetGroup);
    const arnOf = (side: string) => mockArn(defined(groups.find((g) => inputs(g).tags["ion-side"] === side)));
    expect(rendered.outputs).toMatchObject({
      albDnsName: expect.stringMatching(/\.elb\.amazonaws\.com$/),
      targetGroupArns: { stable: arnOf("blue"), canary: arnOf("green") },
      docdbEndpoint: expect.stringMatching(/docdb\.amazonaws\.com$/),
      redisEndpoint: expect.stringMatching(/cache\.amazonaws\.com$/),
      weights: { stable: 100 - config.canaryWeight, canary: config.canaryWeight },
    });
    expect(
      mockArn(one(rendered, TYPES.loadBalancer)).endsWith(`:loadbalancer/${rendered.outputs.albArnSuffix}`),
    ).toBe(true);
    expect(byId(rendered, rendered.outputs.monitoringSecurityGroupId, TYPES.securityGroup).name).toBe(
      "staging-sg-monitoring",
    );
    expect(rendered.secretOutputs).toEqual([]);
  });
});
