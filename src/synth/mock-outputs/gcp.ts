import type { MockOutputs } from "./type";

/** Cloud Run's URL hash and region code, fixed so rendered URLs are stable between runs. */
const RUN_HASH = "mock7xq2";
const RUN_REGION_CODE = "uc";

function runUrl(serviceName: string, tag?: string): string {
  return `https://${tag ? `${tag}---` : ""}${serviceName}-${RUN_HASH}-${RUN_REGION_CODE}.a.run.app`;
}

interface TrafficInput {
  type?: string;
  revision?: string;
  percent?: number;
  tag?: string;
}

function text(value: unknown, fallback: string): string {
  return typeof value === "string" && value.length > 0 ? value : fallback;
}

function project(inputs: Record<string, unknown>): string {
  return text(inputs.project, "mock-project");
}

/** Provider-computed outputs of the GCP resources the stages declare. */
export const gcpMockOutputs: Record<string, MockOutputs> = {
  "gcp:serviceaccount/account:Account": ({ inputs }) => {
    const email = `${text(inputs.accountId, "account")}@${project(inputs)}.iam.gserviceaccount.com`;
    return {
      email,
      name: `projects/${project(inputs)}/serviceAccounts/${email}`,
      member: `serviceAccount:${email}`,
    };
  },
  "gcp:cloudrunv2/service:Service": ({ name, inputs }) => {
    const serviceName = text(inputs.name, name);
    const template = (inputs.template ?? {}) as { revision?: string };
    const latest = text(template.revision, `${serviceName}-00001-abc`);
    const traffics = (inputs.traffics ?? []) as TrafficInput[];
    return {
      uri: runUrl(serviceName),
      urls: [runUrl(serviceName)],
      uid: `uid-${serviceName}`,
      latestCreatedRevision: latest,
      latestReadyRevision: latest,
      // The live split mirrors the declared one, as after a successful apply.
      trafficStatuses: traffics.map((traffic) => ({
        type: traffic.type ?? "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST",
        revision:
          traffic.type === "TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION" ? (traffic.revision ?? "") : latest,
        percent: traffic.percent ?? 0,
        tag: traffic.tag ?? "",
        uri: traffic.tag ? runUrl(serviceName, traffic.tag) : "",
      })),
    };
  },
  "gcp:compute/globalAddress:GlobalAddress": () => ({
    // TEST-NET-3 (RFC 5737): documentation-only, never routable.
    address: "203.0.113.10",
    addressType: "EXTERNAL",
  }),
  "gcp:compute/managedSslCertificate:ManagedSslCertificate": ({ inputs }) => {
    const managed = (inputs.managed ?? {}) as { domains?: string[] };
    return { certificateId: 4242, subjectAlternativeNames: managed.domains ?? [], type: "MANAGED" };
  },
  "gcp:monitoring/notificationChannel:NotificationChannel": ({ name, inputs }) => ({
    name: `projects/${project(inputs)}/notificationChannels/${name}`,
    verificationStatus: "VERIFIED",
  }),
  "gcp:monitoring/alertPolicy:AlertPolicy": ({ name, inputs }) => ({
    name: `projects/${project(inputs)}/alertPolicies/${name}`,
  }),
};
