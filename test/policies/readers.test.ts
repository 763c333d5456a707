import { describe, expect, it } from "vitest";
import { readAlerts, signalOfQuery, splitPromQlThreshold } from "../../policies/readers/alerts";
import { durationSeconds } from "../../policies/readers/durations";
import { ingressRules, opensPort } from "../../policies/readers/ingress";
import { readSplits, rolloutInProgress } from "../../policies/readers/splits";
import { stageOf } from "../../policies/readers/stage";

describe("alert readers", () => {
  it("splits the limit off a PromQL alert expression, whatever the number's form", () => {
    expect(splitPromQlThreshold("sum(rate(x[1m])) / sum(rate(y[1m])) > 0.01")).toEqual({
      query: "sum(rate(x[1m])) / sum(rate(y[1m]))",
      comparison: ">",
      value: 0.01,
    });
    expect(splitPromQlThreshold("q >= 5e2")?.value).toBe(500);
    expect(splitPromQlThreshold("q > bool .5")?.value).toBe(0.5);
    expect(splitPromQlThreshold("q < 3")?.comparison).toBe("<");
    expect(splitPromQlThreshold("up == 0 and on() vector(1)")).toBeUndefined();
  });

  it("names the signal from the metric, not from labels", () => {
    expect(
      signalOfQuery(
        'histogram_quantile(0.95, sum by (le) (rate(run_googleapis_com:request_latencies_bucket{a="b"}[60s])))',
      ),
    ).toBe("p95LatencyMs");
    expect(signalOfQuery("run_googleapis_com:container_memory_utilizations_bucket")).toBe("memory");
    expect(signalOfQuery('rate(x{response_code_class="5xx"}[1m]) / rate(x[1m])')).toBe("errorRate");
    expect(signalOfQuery('rate(http_requests_total{code=~"5.."}[5m])')).toBe("errorRate");
    expect(signalOfQuery("up")).toBeUndefined();
  });

  it("reads durations as GCP and Prometheus write them", () => {
    expect(durationSeconds("180s")).toBe(180);
    expect(durationSeconds("5m")).toBe(300);
    expect(durationSeconds("1h30m")).toBe(5400);
    expect(durationSeconds("1.5s")).toBe(1.5);
    expect(durationSeconds(60)).toBe(60);
    expect(durationSeconds("soon")).toBeUndefined();
    expect(durationSeconds("5m junk")).toBeUndefined();
  });

  it("reads a single-metric CloudWatch p95 alarm in ms, with periods x period as its breach time", () => {
    const [reading] = readAlerts("aws:cloudwatch/metricAlarm:MetricAlarm", {
      metricName: "TargetResponseTime",
      extendedStatistic: "p95",
      threshold: 0.8,
      period: 60,
      evaluationPeriods: 3,
      comparisonOperator: "GreaterThanThreshold",
      alarmActions: ["arn:aws:sns:topic"],
    });
    expect(reading).toMatchObject({ signal: "p95LatencyMs", threshold: 800, forSeconds: 180, channels: 1 });
  });

  it("reads a Cloud Monitoring threshold condition (filter, not PromQL)", () => {
    const [reading] = readAlerts("gcp:monitoring/alertPolicy:AlertPolicy", {
      conditions: [
        {
          displayName: "latency",
          conditionThreshold: {
            filter: 'metric.type="run.googleapis.com/request_latencies"',
            comparison: "COMPARISON_GT",
            thresholdValue: 800,
            duration: "120s",
          },
        },
      ],
      notificationChannels: [],
    });
    expect(reading).toMatchObject({
      signal: "p95LatencyMs",
      comparison: ">",
      threshold: 800,
      forSeconds: 120,
      channels: 0,
    });
  });
});

describe("split, ingress and stage readers", () => {
  it("reads the rollout marker from labels, tags or a URL map's description", () => {
    expect(rolloutInProgress({ labels: { "ion-rollout": "in-progress" } })).toBe(true);
    expect(rolloutInProgress({ tags: { "ion-rollout": "in-progress" } })).toBe(true);
    expect(rolloutInProgress({ description: "split (ion-rollout=in-progress ion-stage=prod)" })).toBe(true);
    expect(rolloutInProgress({ labels: { "ion-rollout": "idle" } })).toBe(false);
    expect(rolloutInProgress({})).toBe(false);
  });

  it("reads URL-map splits in path matchers and route rules too", () => {
    const splits = readSplits(
      "gcp:compute/uRLMap:URLMap",
      {
        pathMatchers: [
          {
            name: "api",
            defaultRouteAction: { weightedBackendServices: [{ backendService: "a", weight: 100 }] },
            routeRules: [
              { routeAction: { weightedBackendServices: [{ backendService: "b-canary", weight: 30 }] } },
            ],
          },
        ],
      },
      "canary",
    );
    expect(splits.map((split) => split.where)).toEqual([
      "pathMatcher api defaultRouteAction",
      "pathMatcher api routeRule 1",
    ]);
    expect(splits[1]?.targets[0]?.canary).toBe(true);
  });

  it("reads every protocol as every port, and the three AWS ingress shapes", () => {
    const [all] = ingressRules({
      type: "aws:ec2/securityGroup:SecurityGroup",
      props: { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/8"] }] },
    });
    expect(all && opensPort(all, 22)).toBe(true);
    const [legacy] = ingressRules({
      type: "aws:ec2/securityGroupRule:SecurityGroupRule",
      props: { type: "ingress", protocol: "tcp", fromPort: 20, toPort: 25, cidrBlocks: ["0.0.0.0/0"] },
    });
    expect(legacy && opensPort(legacy, 22)).toBe(true);
    expect(
      ingressRules({
        type: "aws:ec2/securityGroupRule:SecurityGroupRule",
        props: { type: "egress", protocol: "-1" },
      }),
    ).toEqual([]);
    const [udp] = ingressRules({
      type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      props: { ipProtocol: "udp", fromPort: 22, toPort: 22, cidrIpv6: "::/0" },
    });
    expect(udp && opensPort(udp, 22)).toBe(false);
    expect(udp?.cidrs).toEqual(["::/0"]);
  });

  it("finds the stage on the resource, then on its provider's default tags, then in the stack tags", () => {
    const none = new Map<string, string>();
    expect(stageOf({ userLabels: { "ion-stage": "prod" } }, none)).toBe("prod");
    expect(stageOf({ metadata: { labels: { "ion-stage": "prod" } } }, none)).toBe("prod");
    const provider = {
      type: "pulumi:providers:aws",
      name: "p",
      urn: "urn",
      props: { defaultTags: JSON.stringify({ tags: { "ion-stage": "staging" } }) },
    };
    expect(stageOf({ tags: {} }, none, provider)).toBe("staging");
    expect(stageOf({}, new Map([["ion-stage", "qa"]]))).toBe("qa");
    expect(stageOf({}, none)).toBeUndefined();
  });
});
