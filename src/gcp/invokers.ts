import * as gcp from "@pulumi/gcp";
import type * as pulumi from "@pulumi/pulumi";
import type { GcpStage } from "../config";

export const INVOKER_ROLE = "roles/run.invoker";
export const PUBLIC_MEMBER = "allUsers";

/** Who may call the service: everyone when `public`, else exactly the listed principals. */
export function invokerMembers(settings: GcpStage): string[] {
  return settings.public ? [PUBLIC_MEMBER] : [...settings.invokers];
}

/** One explicit `roles/run.invoker` grant per member, so no one is left implicit. */
export function grantInvokers(
  name: string,
  service: gcp.cloudrunv2.Service,
  settings: GcpStage,
  parent: pulumi.Resource,
): gcp.cloudrunv2.ServiceIamMember[] {
  return invokerMembers(settings).map(
    (member) =>
      new gcp.cloudrunv2.ServiceIamMember(
        `${name}-invoker-${memberSlug(member)}`,
        {
          project: settings.project,
          location: settings.region,
          name: service.name,
          role: INVOKER_ROLE,
          member,
        },
        { parent },
      ),
  );
}

/** A resource-name-safe form of a principal (`user:a@b.c` → `user-a-b-c`). */
function memberSlug(member: string): string {
  return member
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
