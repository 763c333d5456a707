/**
 * ECS services behind one ALB listener, written from AWS's docs (docs/cloud-edges.md quotes them),
 * on a clock the test moves. Reusable: it answers ECS `DescribeServices` / `DescribeTasks` and
 * ELBv2 `DescribeTargetHealth` / `DescribeListeners` in the SDKs' shapes.
 * - A task goes PROVISIONING -> PENDING -> RUNNING (`provisioningMs`, `pendingMs`); a RUNNING task
 *   is registered in its service's target group as `initial` and turns `healthy` after the health
 *   check's HealthyThresholdCount consecutive successes, i.e. threshold × interval.
 * - A new task definition starts a new (PRIMARY) deployment beside the old one; the old tasks stop
 *   (their targets drain) once the new ones are healthy. Scaling on the same task definition
 *   starts or stops tasks in the one deployment.
 * - A service's `runningCount` counts RUNNING tasks, healthy or not, so the services-stable
 *   acceptor (one deployment, runningCount == desiredCount) can pass while a scaled-up service's
 *   targets are still `initial`.
 * - A request through the listener goes to a target group by weight and answers 503 when that
 *   group has no healthy target.
 */

export type TaskStatus = "PROVISIONING" | "PENDING" | "RUNNING" | "STOPPED";
export type TargetState = "initial" | "healthy" | "draining";

export interface EcsAlbTiming {
  provisioningMs: number;
  pendingMs: number;
  healthCheckIntervalSeconds: number;
  healthyThresholdCount: number;
  deregistrationDelaySeconds: number;
}

interface Task {
  arn: string;
  service: string;
  taskDefinition: string;
  status: TaskStatus;
  statusSince: number;
  target?: { state: TargetState; since: number };
}

interface Service {
  taskDefinition: string;
  desiredCount: number;
  targetGroupArn: string;
}

export interface ForwardTarget {
  targetGroupArn: string;
  weight: number;
}

const STEP_MS = 1000;

export class FakeEcsAlb {
  now: number;
  readonly services = new Map<string, Service>();
  private tasks: Task[] = [];
  private forward: ForwardTarget[] = [];
  private taskSeq = 0;
  /** Called after every change the platform makes (listener, tasks, targets): invariants go here. */
  onChange: () => void = () => undefined;

  constructor(
    readonly timing: EcsAlbTiming,
    start = 0,
  ) {
    this.now = start;
  }

  /** CreateService / UpdateService: the declared task definition and count. */
  putService(name: string, spec: Service): void {
    this.services.set(name, { ...spec });
    this.reconcile();
  }

  /** ModifyListener: the default action's weighted forward. */
  setListener(forward: ForwardTarget[]): void {
    this.forward = forward.map((f) => ({ ...f }));
    this.onChange();
  }

  /** Moves the clock in 1 s steps, advancing tasks and targets. */
  advance(ms: number): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + STEP_MS);
      this.tick();
    }
  }

  /** The services-stable waiter's acceptor for each named service. */
  servicesStable(names: string[]): boolean {
    return this.describeServices(names).services.every(
      (s) => s.deployments.length === 1 && s.runningCount === s.desiredCount,
    );
  }

  /** `aws ecs wait services-stable`: polls every 15 s up to 40 times, like the CLI's waiter. */
  waitServicesStable(names: string[]): void {
    for (let attempt = 0; attempt < 40; attempt++) {
      if (this.servicesStable(names)) return;
      this.advance(15_000);
    }
    throw new Error(`Waiter ServicesStable failed: Max attempts exceeded (${names.join(", ")})`);
  }

  describeServices(names: string[]) {
    return {
      services: names.map((serviceName) => {
        const service = this.services.get(serviceName);
        const live = this.tasks.filter((t) => t.service === serviceName && t.status !== "STOPPED");
        const definitions = [...new Set([service?.taskDefinition, ...live.map((t) => t.taskDefinition)])];
        return {
          serviceName,
          taskDefinition: service?.taskDefinition,
          desiredCount: service?.desiredCount ?? 0,
          runningCount: live.filter((t) => t.status === "RUNNING").length,
          pendingCount: live.filter((t) => t.status !== "RUNNING").length,
          deployments: definitions.map((taskDefinition) => ({
            status: taskDefinition === service?.taskDefinition ? "PRIMARY" : "ACTIVE",
            taskDefinition,
            runningCount: live.filter((t) => t.taskDefinition === taskDefinition && t.status === "RUNNING")
              .length,
          })),
        };
      }),
    };
  }

  describeTasks(service: string) {
    return {
      tasks: this.tasks
        .filter((t) => t.service === service)
        .map((t) => ({ taskArn: t.arn, lastStatus: t.status, taskDefinitionArn: t.taskDefinition })),
    };
  }

  describeTargetHealth(targetGroupArn: string) {
    return {
      TargetHealthDescriptions: this.tasks
        .filter((t) => t.target && this.services.get(t.service)?.targetGroupArn === targetGroupArn)
        .map((t) => ({ Target: { Id: t.arn }, TargetHealth: { State: t.target?.state } })),
    };
  }

  describeListeners() {
    return {
      Listeners: [
        {
          DefaultActions: [
            {
              Type: "forward",
              ForwardConfig: {
                TargetGroups: this.forward.map((f) => ({
                  TargetGroupArn: f.targetGroupArn,
                  Weight: f.weight,
                })),
              },
            },
          ],
        },
      ],
    };
  }

  healthyTargets(targetGroupArn: string): number {
    return this.describeTargetHealth(targetGroupArn).TargetHealthDescriptions.filter(
      (d) => d.TargetHealth.State === "healthy",
    ).length;
  }

  /** The weighted target groups that have no healthy target: what must stay empty. */
  weightOnUnhealthy(): ForwardTarget[] {
    return this.forward.filter((f) => f.weight > 0 && this.healthyTargets(f.targetGroupArn) === 0);
  }

  /** One request to a target group (the test listener forwards to one): 503 without a healthy target. */
  request(targetGroupArn: string): number {
    return this.healthyTargets(targetGroupArn) > 0 ? 200 : 503;
  }

  private tick(): void {
    const { provisioningMs, pendingMs } = this.timing;
    const healthyAfter = this.timing.healthyThresholdCount * this.timing.healthCheckIntervalSeconds * 1000;
    const drainFor = this.timing.deregistrationDelaySeconds * 1000;
    for (const t of this.tasks) {
      const age = this.now - t.statusSince;
      if (t.status === "PROVISIONING" && age >= provisioningMs) this.setStatus(t, "PENDING");
      else if (t.status === "PENDING" && age >= pendingMs) {
        this.setStatus(t, "RUNNING");
        t.target = { state: "initial", since: this.now };
      } else if (t.target?.state === "initial" && this.now - t.target.since >= healthyAfter) {
        t.target = { state: "healthy", since: this.now };
      } else if (t.target?.state === "draining" && this.now - t.target.since >= drainFor) {
        t.target = undefined;
        this.setStatus(t, "STOPPED");
      }
    }
    this.reconcile();
  }

  private setStatus(task: Task, status: TaskStatus): void {
    task.status = status;
    task.statusSince = this.now;
  }

  /** The service scheduler: the declared count of the declared definition; old tasks go once the new are healthy. */
  private reconcile(): void {
    for (const [name, service] of this.services) {
      const live = this.tasks.filter(
        (t) => t.service === name && t.status !== "STOPPED" && t.target?.state !== "draining",
      );
      const current = live.filter((t) => t.taskDefinition === service.taskDefinition);
      const old = live.filter((t) => t.taskDefinition !== service.taskDefinition);
      for (let i = current.length; i < service.desiredCount; i++)
        this.startTask(name, service.taskDefinition);
      for (const extra of current.slice(service.desiredCount)) this.stopTask(extra);
      const healthyNew = current.filter((t) => t.target?.state === "healthy").length;
      if (healthyNew >= service.desiredCount) for (const t of old) this.stopTask(t);
    }
    this.onChange();
  }

  private startTask(service: string, taskDefinition: string): void {
    this.taskSeq++;
    this.tasks.push({
      arn: `arn:aws:ecs:eu-west-1:123456789012:task/ion/${this.taskSeq}`,
      service,
      taskDefinition,
      status: "PROVISIONING",
      statusSince: this.now,
    });
  }

  /** A registered task drains first (deregistration delay), an unregistered one stops at once. */
  private stopTask(task: Task): void {
    if (task.target) task.target = { state: "draining", since: this.now };
    else this.setStatus(task, "STOPPED");
  }
}
