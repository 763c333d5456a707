import { type LocalHttp, startLocalHttp } from "./local-http";

/** A listener as the ELBv2 API describes it (the fields a weight change touches). */
export interface FakeListener {
  ListenerArn: string;
  LoadBalancerArn: string;
  Port: number;
  DefaultActions: {
    Type: string;
    TargetGroupArn?: string;
    ForwardConfig?: {
      TargetGroups: { TargetGroupArn: string; Weight: number }[];
      TargetGroupStickinessConfig?: { Enabled: boolean };
    };
  }[];
}

export const BALANCER =
  "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/staging/50dc6c495c0c9188";
export const STABLE_TG =
  "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/staging-blue/11aa";
export const CANARY_TG =
  "arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/staging-green/22bb";

/**
 * The ELBv2 API (AWS Query protocol: form-encoded `Action=...` POSTs, XML answers) as far as a
 * weight change uses it, written from its reference, so the real SDK client is tested end to end:
 * DescribeTargetGroups (`LoadBalancerArns`), DescribeListeners (by ARN or by load balancer),
 * ModifyListener (the whole `DefaultActions` list replaces the old one; the answer lists the
 * listener as modified). Weights are 0-999 per target group.
 */
export class FakeElbv2 {
  readonly listeners: FakeListener[];
  readonly actions: string[] = [];
  /** Called as each request arrives (the bench advances its virtual clock by a round trip). */
  onRequest?: () => void;
  private http?: LocalHttp;

  constructor(canaryWeight: number) {
    this.listeners = [
      {
        ListenerArn: `${BALANCER.replace(":loadbalancer/", ":listener/")}/https`,
        LoadBalancerArn: BALANCER,
        Port: 443,
        DefaultActions: [
          {
            Type: "forward",
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: STABLE_TG, Weight: 100 - canaryWeight },
                { TargetGroupArn: CANARY_TG, Weight: canaryWeight },
              ],
              TargetGroupStickinessConfig: { Enabled: false },
            },
          },
        ],
      },
      // The pre-traffic test listener: the canary alone.
      {
        ListenerArn: `${BALANCER.replace(":loadbalancer/", ":listener/")}/test`,
        LoadBalancerArn: BALANCER,
        Port: 8443,
        DefaultActions: [
          {
            Type: "forward",
            TargetGroupArn: CANARY_TG,
            ForwardConfig: { TargetGroups: [{ TargetGroupArn: CANARY_TG, Weight: 1 }] },
          },
        ],
      },
    ];
  }

  get url(): string {
    if (!this.http) throw new Error("start the fake first");
    return this.http.url;
  }

  /** The canary's weight on the production (weighted) listener. */
  canaryWeight(): number {
    return (
      this.listeners[0]?.DefaultActions[0]?.ForwardConfig?.TargetGroups.find(
        (tg) => tg.TargetGroupArn === CANARY_TG,
      )?.Weight ?? -1
    );
  }

  async start(): Promise<this> {
    this.http = await startLocalHttp((request, response) => {
      this.onRequest?.();
      const params = parseQuery(request.body);
      const action = String(params.Action);
      this.actions.push(action);
      const result = this.answer(action, params);
      response.writeHead(result ? 200 : 400, { "content-type": "text/xml" });
      response.end(
        result
          ? `<${action}Response xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><${action}Result>${xml(result)}</${action}Result><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></${action}Response>`
          : `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${action}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
      );
    });
    return this;
  }

  close(): Promise<void> {
    return this.http?.close() ?? Promise.resolve();
  }

  private answer(action: string, params: Record<string, unknown>): Record<string, unknown> | undefined {
    if (action === "DescribeTargetGroups") {
      const arns = members(params.TargetGroupArns) as string[];
      return { TargetGroups: arns.map((arn) => ({ TargetGroupArn: arn, LoadBalancerArns: [BALANCER] })) };
    }
    if (action === "DescribeListeners") {
      const arns = members(params.ListenerArns) as string[];
      const found = this.listeners.filter(
        (l) => arns.includes(l.ListenerArn) || l.LoadBalancerArn === params.LoadBalancerArn,
      );
      return { Listeners: found };
    }
    if (action === "ModifyListener") {
      const listener = this.listeners.find((l) => l.ListenerArn === params.ListenerArn);
      if (!listener) return undefined;
      listener.DefaultActions = (members(params.DefaultActions) as Record<string, unknown>[]).map(actionOf);
      return { Listeners: [listener] };
    }
    return undefined;
  }
}

/** `A.member.1.B=x` → `{ A: { member: { "1": { B: "x" } } } }`. */
function parseQuery(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const parts = key.split(".");
    let node = root;
    for (const part of parts.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts.at(-1) as string] = value;
  }
  return root;
}

function members(list: unknown): unknown[] {
  const entries = (list as { member?: Record<string, unknown> } | undefined)?.member ?? {};
  return Object.keys(entries)
    .sort((a, b) => Number(a) - Number(b))
    .map((index) => entries[index]);
}

function actionOf(raw: Record<string, unknown>): FakeListener["DefaultActions"][number] {
  const forward = raw.ForwardConfig as
    | { TargetGroups?: unknown; TargetGroupStickinessConfig?: { Enabled?: string } }
    | undefined;
  const groups = members(forward?.TargetGroups) as { TargetGroupArn: string; Weight: string }[];
  for (const group of groups) {
    const weight = Number(group.Weight);
    if (!Number.isInteger(weight) || weight < 0 || weight > 999)
      throw new Error(`weight ${group.Weight} outside 0-999`);
  }
  return {
    Type: String(raw.Type),
    ...(raw.TargetGroupArn ? { TargetGroupArn: String(raw.TargetGroupArn) } : {}),
    ...(forward
      ? {
          ForwardConfig: {
            TargetGroups: groups.map((g) => ({ TargetGroupArn: g.TargetGroupArn, Weight: Number(g.Weight) })),
            ...(forward.TargetGroupStickinessConfig
              ? {
                  TargetGroupStickinessConfig: {
                    Enabled: forward.TargetGroupStickinessConfig.Enabled === "true",
                  },
                }
              : {}),
          },
        }
      : {}),
  };
}

/** Objects as Query-protocol XML: arrays as `<member>` lists. */
function xml(value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => `<member>${xml(item)}</member>`).join("");
  if (value !== null && typeof value === "object") {
    return Object.entries(value)
      .map(([key, item]) => `<${key}>${xml(item)}</${key}>`)
      .join("");
  }
  return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;");
}
