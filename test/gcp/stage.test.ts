import { describe, expect, it } from "vitest";
import { type RenderedStage, renderStage } from "../../src/synth/render";
import { PROD_ALERTS } from "../support/prod-alerts";
import { byId, defined, inputs, ofType, one, prodWith, servicesWith, TYPES } from "./fixtures";

const SECRETS = { slackAuthToken: "xoxb-test-token", pagerdutyServiceKey: "pd-test-key" };

function members(rendered: RenderedStage, serviceName: string): string[] {
  return ofType(rendered, TYPES.invoker)
    .filter((grant) => inputs(grant).name === serviceName)
    .map((grant) => {
      expect(inputs(grant).role).toBe("roles/run.invoker");
      return inputs(grant).member as string;
    })
    .sort();
}

describe("GCP prod stage, mode revisions", async () => {
  const config = prodWith();
  const rendered = await renderStage(config, { secrets: SECRETS });
  const service = inputs(one(rendered, TYPES.service));

  it("runs the canary release as the named template revision of the one service", () => {
    expect(service).toMatchObject({
      name: config.service.name,
      project: config.gcp?.project,
      location: config.gcp?.region,
      ingress: config.gcp?.ingress,
      deletionProtection: config.gcp?.deletionProtection,
    });
    // `<release>-<template hash>`: a changed template is a new revision (test/gcp/revision-names.test.ts).
    expect(service.template.revision).toMatch(new RegExp(`^${config.releases.canary.name}-[0-9a-f]{8}$`));
    expect(service.template.containers[0].image).toBe(config.releases.canary.image);
    expect(service.template.scaling).toEqual({
      minInstanceCount: config.gcp?.minInstances,
      maxInstanceCount: config.gcp?.maxInstances,
    });
  });

  it("probes startup and liveness on the health path and port", () => {
    const container = service.template.containers[0];
    expect(container.ports).toEqual({ containerPort: config.service.port });
    for (const probe of [container.startupProbe, container.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: "/health", port: config.service.port });
      expect(probe.timeoutSeconds).toBeLessThanOrEqual(probe.periodSeconds);
    }
  });

  it("labels the service with the stage and whether a rollout is in progress", () => {
    expect(service.labels).toEqual({ "ion-rollout": "idle", "ion-stage": "prod", "ion-public": "true" });
    expect(service.template.labels).toBeUndefined();
  });

  it("exports the service URL, the canary's tagged URL and the served weights", () => {
    expect(rendered.outputs).toMatchObject({
      serviceUrls: { [config.service.name]: expect.stringMatching(/^https:\/\//) },
      canaryUrl: expect.stringMatching(/^https:\/\/canary---/),
      weights: { stable: 100 - config.canaryWeight, canary: config.canaryWeight },
    });
    expect(rendered.outputs.loadBalancerIp).toBeUndefined();
    expect(rendered.secretOutputs).toEqual([]);
  });

  it("declares one alert policy per roll-back rule, with the config's threshold and duration", () => {
    const policies = ofType(rendered, TYPES.alertPolicy).map(inputs);
    const byAlert = new Map(
      policies.map((policy) => [policy.conditions[0].conditionPrometheusQueryLanguage.alertRule, policy]),
    );
    expect([...byAlert.keys()].sort()).toEqual(Object.keys(PROD_ALERTS).sort());
    for (const [alert, { label, expr, summary, duration }] of Object.entries(PROD_ALERTS)) {
      const policy = byAlert.get(alert);
      expect(policy.displayName).toBe(summary);
      expect(policy.conditions).toHaveLength(1);
      // The query's window is the first check, so n checks in a row hold for n - 1 intervals
      // (test/promql proves the alert fires at the runner's last breaching check); evaluated every check.
      expect(policy.conditions[0].conditionPrometheusQueryLanguage).toEqual({
        alertRule: alert,
        ruleGroup: "ion-api-prod-rollback",
        query: expr,
        duration,
        evaluationInterval: "60s",
      });
      expect(policy.documentation).toMatchObject({ subject: summary, mimeType: "text/markdown" });
      expect(policy.documentation.content).toContain("2. Otherwise roll back now: `ion-rollout abort prod`");
      expect(policy.userLabels).toEqual({ "ion-signal": label, "ion-stage": "prod" });
    }
  });

  it("notifies every channel from every policy", () => {
    const channels = ofType(rendered, TYPES.channel);
    expect(channels.map((channel) => inputs(channel).type).sort()).toEqual(["email", "slack"]);
    const names = channels.map(
      (channel) => `projects/${config.gcp?.project}/notificationChannels/${channel.name}`,
    );
    for (const policy of ofType(rendered, TYPES.alertPolicy)) {
      expect([...inputs(policy).notificationChannels].sort()).toEqual([...names].sort());
    }
  });

  it("gives the Slack channel its token as a secret input, never plain", () => {
    const slack = ofType(rendered, TYPES.channel).find((channel) => inputs(channel).type === "slack");
    expect(inputs(defined(slack)).labels).toEqual({ channel_name: config.notifications.slackChannel });
    expect(inputs(defined(slack)).sensitiveLabels.authToken).toBe(SECRETS.slackAuthToken);
    expect(
      defined(slack).secretPaths.some(
        (path) => path === "sensitiveLabels" || path === "sensitiveLabels.authToken",
      ),
    ).toBe(true);
    for (const resource of rendered.resources.filter((candidate) => candidate !== slack)) {
      expect(JSON.stringify(resource.inputs)).not.toContain(SECRETS.slackAuthToken);
    }
  });

  it("puts every traffic, load-balancing and alerting resource under the GcpStage component tree", () => {
    const byKey = new Map(
      rendered.resources.map((resource) => [`${resource.type}::${resource.name}`, resource]),
    );
    const stage = one(rendered, TYPES.stage);
    const gcpStageTypes = new Set<string>(Object.values(TYPES).filter((type) => type !== TYPES.stage));
    const roots = new Set<string>();
    for (const resource of rendered.resources) {
      if (resource.type === "pulumi:pulumi:Stack" || !resource.custom) continue;
      // Walk up to the top-level component; every provider resource has one (none at the root).
      let current = resource;
      const seen = new Set<string>();
      while (current.parent && byKey.has(`${current.parent.type}::${current.parent.name}`)) {
        const key = `${current.parent.type}::${current.parent.name}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        current = defined(byKey.get(key), key);
      }
      expect(current, `${resource.type} ${resource.name} has no component`).not.toBe(resource);
      roots.add(current.type);
      if (gcpStageTypes.has(resource.type)) {
        expect(current, `${resource.type} ${resource.name}`).toBe(stage);
      }
    }
    expect(roots.has(TYPES.stage)).toBe(true);
    expect(ofType(rendered, TYPES.service)).toHaveLength(1);
    expect(ofType(rendered, TYPES.alertPolicy)).toHaveLength(3);
  });
});

describe("after a promotion (stable and canary are the same release)", () => {
  it("all traffic on the one revision the template names, tagged stable", async () => {
    const release = { image: "registry/ion-api:1.5.0", name: "ion-api-v1-5-0" };
    const rendered = await renderStage(
      prodWith({ releases: { stable: release, canary: release }, canaryWeight: 0 }),
    );
    const service = inputs(one(rendered, TYPES.service));
    expect(service.traffics).toEqual([
      {
        type: "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION",
        revision: service.template.revision,
        percent: 100,
        tag: "stable",
      },
    ]);
  });
});

describe("invoker IAM is explicit", () => {
  it("public: exactly allUsers", async () => {
    const rendered = await renderStage(
      prodWith({}, { public: true, invokers: ["group:ignored@example.com"] }),
    );
    expect(members(rendered, "ion-api")).toEqual(["allUsers"]);
  });

  it("private: exactly the listed invokers and never allUsers", async () => {
    const invokers = [
      "serviceAccount:ci@internal-ai-innovation.iam.gserviceaccount.com",
      "group:ion@example.com",
    ];
    const rendered = await renderStage(prodWith({}, { public: false, invokers }));
    expect(members(rendered, "ion-api")).toEqual([...invokers].sort());
  });

  it("private with no invokers: no grant at all", async () => {
    const rendered = await renderStage(prodWith({}, { public: false, invokers: [] }));
    expect(ofType(rendered, TYPES.invoker)).toEqual([]);
  });

  it("mode services: each service gets the same grants", async () => {
    const config = servicesWith({}, { public: false, invokers: ["group:ion@example.com"] });
    const rendered = await renderStage(config);
    expect(members(rendered, config.releases.stable.name)).toEqual(["group:ion@example.com"]);
    expect(members(rendered, config.releases.canary.name)).toEqual(["group:ion@example.com"]);
  });
});

describe("GCP prod stage, mode services", async () => {
  const config = servicesWith({
    notifications: { emails: ["a@example.com", "b@example.com"], pagerduty: true },
  });
  const rendered = await renderStage(config, { secrets: SECRETS });

  it("terminates HTTPS on 443 with a managed certificate for the configured domains", () => {
    const rules = ofType(rendered, TYPES.forwardingRule).map(inputs);
    expect(rules.map((rule) => rule.portRange).sort()).toEqual(["443", "80"]);
    const https = rules.find((rule) => rule.portRange === "443");
    const proxy = byId(rendered, https.target);
    expect(proxy.type).toBe(TYPES.httpsProxy);
    const certificate = one(rendered, TYPES.certificate);
    expect(inputs(proxy).sslCertificates).toEqual([`${certificate.name}-id`]);
    expect(inputs(certificate).managed.domains).toEqual(config.gcp?.domains);
    const map = byId(rendered, inputs(proxy).urlMap);
    expect(inputs(map).defaultRouteAction.weightedBackendServices).toHaveLength(2);
    expect(inputs(map).defaultService).toBeUndefined();
    for (const rule of rules) {
      expect(rule.loadBalancingScheme).toBe("EXTERNAL_MANAGED");
      expect(rule.ipAddress).toBe(rendered.outputs.loadBalancerIp);
    }
    for (const backend of ofType(rendered, TYPES.backend)) {
      expect(inputs(backend).loadBalancingScheme).toBe("EXTERNAL_MANAGED");
    }
    for (const neg of ofType(rendered, TYPES.neg)) {
      expect(inputs(neg)).toMatchObject({ networkEndpointType: "SERVERLESS", region: config.gcp?.region });
    }
  });

  it("redirects HTTP on 80 to HTTPS", () => {
    const http = ofType(rendered, TYPES.forwardingRule).find((rule) => inputs(rule).portRange === "80");
    const proxy = byId(rendered, inputs(defined(http)).target);
    expect(proxy.type).toBe(TYPES.httpProxy);
    const map = byId(rendered, inputs(proxy).urlMap);
    expect(inputs(map).defaultUrlRedirect).toMatchObject({ httpsRedirect: true });
    expect(inputs(map).defaultRouteAction).toBeUndefined();
  });

  it("carries the rollout state on services (labels) and URL maps (description)", async () => {
    for (const service of ofType(rendered, TYPES.service)) {
      expect(inputs(service).labels).toEqual({
        "ion-rollout": "idle",
        "ion-stage": "prod",
        "ion-public": "true",
      });
    }
    for (const map of ofType(rendered, TYPES.urlMap)) {
      expect(inputs(map).description).toContain("ion-rollout=idle");
    }
    const rolling = await renderStage(servicesWith({ canaryWeight: 25, rolloutInProgress: true }));
    for (const map of ofType(rolling, TYPES.urlMap)) {
      expect(inputs(map).description).toContain("ion-rollout=in-progress");
    }
    for (const service of ofType(rolling, TYPES.service)) {
      expect(inputs(service).labels["ion-rollout"]).toBe("in-progress");
    }
  });

  it("exports both service URLs, the canary service's URL and the load balancer's address", () => {
    expect(Object.keys(rendered.outputs.serviceUrls as object).sort()).toEqual(["ion-api", "ion-api-canary"]);
    expect(rendered.outputs.canaryUrl).toBe(
      (rendered.outputs.serviceUrls as Record<string, string>)["ion-api-canary"],
    );
    expect(rendered.outputs.loadBalancerIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it("has one email channel per address plus PagerDuty with its key secret, all on every policy", () => {
    const channels = ofType(rendered, TYPES.channel);
    const emails = channels.filter((channel) => inputs(channel).type === "email");
    expect(emails.map((channel) => inputs(channel).labels.email_address).sort()).toEqual([
      "a@example.com",
      "b@example.com",
    ]);
    const pagerduty = channels.find((channel) => inputs(channel).type === "pagerduty");
    expect(inputs(defined(pagerduty)).sensitiveLabels.serviceKey).toBe(SECRETS.pagerdutyServiceKey);
    expect(defined(pagerduty).secretPaths).toEqual(["sensitiveLabels"]);
    for (const policy of ofType(rendered, TYPES.alertPolicy)) {
      expect(inputs(policy).notificationChannels).toHaveLength(channels.length);
    }
  });
});

describe("staging-profile thresholds on GCP (sustained durations)", () => {
  it("alert durations cover forSeconds in check intervals and CPU gets its own policy", async () => {
    const config = prodWith({
      profile: "staging",
      thresholds: {},
      rollout: { steps: [10, 50, 100], bakeSeconds: 300, checkIntervalSeconds: 45 },
      canaryWeight: 0,
    });
    const rendered = await renderStage(config, { secrets: SECRETS });
    const policies = ofType(rendered, TYPES.alertPolicy).map(inputs);
    expect(policies.map((policy) => policy.userLabels["ion-signal"]).sort()).toEqual([
      "cpu",
      "error-rate",
      "memory",
      "p95-latency",
    ]);
    // Staging runbooks: error rate > 5% and CPU > 90% for 300 s, latency > 2000 ms and memory > 95%
    // for 180 s. In 45 s checks: 7 and 4 checks, held for 6 and 3 intervals after the first
    // window (test/promql); 45 s checks are evaluated every 60 s, the next multiple of 30.
    const conditions = Object.fromEntries(
      policies.map((policy) => {
        const { alertRule, duration, evaluationInterval, query } =
          policy.conditions[0].conditionPrometheusQueryLanguage;
        return [alertRule, { duration, evaluationInterval, limit: query.slice(query.lastIndexOf(" > ")) }];
      }),
    );
    expect(conditions).toEqual({
      IonApiErrorRateRollback: { duration: "270s", evaluationInterval: "60s", limit: " > 0.05" },
      IonApiP95LatencyMsRollback: { duration: "135s", evaluationInterval: "60s", limit: " > 2000" },
      IonApiMemoryRollback: { duration: "135s", evaluationInterval: "60s", limit: " > 0.95" },
      IonApiCpuRollback: { duration: "270s", evaluationInterval: "60s", limit: " > 0.9" },
    });
  });
});

describe("stage errors name the config key to fix", () => {
  it("a Slack channel without its secret token", async () => {
    await expect(renderStage(prodWith(), { secrets: { slackAuthToken: undefined } })).rejects.toThrow(
      /ion-deploy:slackAuthToken: .*pulumi config set --secret ion-deploy:slackAuthToken/,
    );
  });

  it("PagerDuty without its service key", async () => {
    const config = prodWith({ notifications: { emails: [], pagerduty: true } });
    await expect(renderStage(config, { secrets: { pagerdutyServiceKey: undefined } })).rejects.toThrow(
      /ion-deploy:pagerdutyServiceKey: .*pulumi config set --secret/,
    );
  });

  it("a revision name Cloud Run would refuse (not prefixed by the service name)", async () => {
    const config = prodWith({
      releases: {
        stable: { image: "a", name: "ion-api-v1" },
        canary: { image: "b", name: "api-v2" },
      },
    });
    await expect(renderStage(config)).rejects.toThrow(/ion-deploy:releases\.canary\.name: .*"ion-api-"/);
  });

  it("mode services with one name for both services", async () => {
    const config = servicesWith({
      canaryWeight: 0,
      releases: { stable: { image: "a", name: "ion-api" }, canary: { image: "b", name: "ion-api" } },
    });
    await expect(renderStage(config)).rejects.toThrow(/ion-deploy:releases\.canary\.name: .*different names/);
  });

  it("renders again normally after a failed render", async () => {
    const rendered = await renderStage(prodWith());
    expect(ofType(rendered, TYPES.service)).toHaveLength(1);
  });
});
