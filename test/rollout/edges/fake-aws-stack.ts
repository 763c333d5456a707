import type { OutputMap, UpResult } from "@pulumi/pulumi/automation";
import { ecsReadiness } from "../../../src/aws/readiness";
import { releaseSides, updateOrder, weightedForward } from "../../../src/aws/traffic";
import type { Release, StageConfig } from "../../../src/config";
import type { FakeEcsAlb } from "./fake-ecs-alb";
import { deployment, FakeStack, stateResource, upResult } from "./fake-stack";

/**
 * The AWS stage's `pulumi up`, as far as the traffic resources go, over the ECS/ALB fake: the
 * stack config's releases as one ECS service and target group per colour (release name), each
 * service on its release's task definition (0 tasks when retired), `waitForSteadyState` as the
 * services-stable waiter, the weighted listener from `weightedForward`, in the order the stack
 * program declares (`updateOrder`), and the outputs a real `up` leaves (`canaryReadiness` from
 * `ecsReadiness`). `order` overrides the order, to show what the other one would do.
 */
export const targetGroupOf = (release: Release) => `tg-${release.name}`;
const serviceOf = (release: Release) => `svc-${release.name}`;
const taskDefinitionOf = (release: Release) => `td-${release.image}`;

export class FakeAwsStack {
  readonly stack: FakeStack;
  order: "services" | "listener" | undefined;

  constructor(
    private readonly cfg: StageConfig,
    readonly cloud: FakeEcsAlb,
    private readonly desiredCount = 2,
  ) {
    this.stack = new FakeStack(
      deployment([
        stateResource("aws:lb/listener:Listener", "ion-api-https"),
        stateResource("aws:ecs/service:Service", "ion-api"),
      ]),
      [async () => this.up()],
    );
  }

  /** Writes the config the way the driver does, then ups (bootstrap). */
  async deployed(config: {
    releases: { stable: Release; canary: Release };
    canaryWeight: number;
    oldSideRetired: boolean;
  }) {
    this.stack.config.set("ion-deploy:releases", JSON.stringify(config.releases));
    this.stack.config.set("ion-deploy:canaryWeight", String(config.canaryWeight));
    this.stack.config.set("ion-deploy:oldSideRetired", String(config.oldSideRetired));
    await this.up();
  }

  private async up(): Promise<UpResult> {
    const get = (key: string) => this.stack.config.get(`ion-deploy:${key}`);
    const releases = JSON.parse(get("releases") ?? "{}") as { stable: Release; canary: Release };
    const cfg: StageConfig = {
      ...this.cfg,
      releases,
      canaryWeight: Number(get("canaryWeight") ?? "0"),
      oldSideRetired: get("oldSideRetired") === "true",
    };
    const sides = releaseSides(cfg);
    const services = () => {
      for (const side of sides) {
        this.cloud.putService(serviceOf(side.release), {
          taskDefinition: taskDefinitionOf(side.release),
          desiredCount: side.retired ? 0 : this.desiredCount,
          targetGroupArn: targetGroupOf(side.release),
        });
      }
      this.cloud.waitServicesStable(sides.map((side) => serviceOf(side.release)));
    };
    const arns = { stable: targetGroupOf(releases.stable), canary: targetGroupOf(releases.canary) };
    const listener = () =>
      this.cloud.setListener(
        weightedForward(cfg, arns).forward.targetGroups.map((g) => ({
          targetGroupArn: g.arn,
          weight: g.weight,
        })),
      );
    if ((this.order ?? updateOrder(cfg)) === "services") {
      services();
      listener();
    } else {
      listener();
      services();
    }
    const canary = this.cloud.describeServices([serviceOf(releases.canary)]).services[0];
    const outputs: OutputMap = {
      weights: { value: { stable: sides[0].weight, canary: sides[1].weight }, secret: false },
      targetGroupArns: { value: arns, secret: false },
      canaryReadiness: {
        value: ecsReadiness(releases.canary.name, {
          serviceTaskDefinition: canary?.taskDefinition,
          declaredTaskDefinition: taskDefinitionOf(releases.canary),
          desiredCount: canary?.desiredCount,
        }),
        secret: false,
      },
    };
    this.stack.outputsValue = outputs;
    return upResult("succeeded", outputs);
  }
}
