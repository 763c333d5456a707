import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { K8sMonitoring } from "../config";

/**
 * An explicit provider for the stage's cluster, so monitoring objects never land in whatever
 * cluster the ambient kubeconfig happens to point at. Unset fields fall back to the provider's own
 * defaults (KUBECONFIG, current context).
 */
export function clusterProvider(
  name: string,
  settings: K8sMonitoring,
  opts: pulumi.CustomResourceOptions,
): k8s.Provider {
  return new k8s.Provider(
    name,
    {
      ...(settings.kubeconfig !== undefined ? { kubeconfig: settings.kubeconfig } : {}),
      ...(settings.context !== undefined ? { context: settings.context } : {}),
      namespace: settings.namespace,
    },
    opts,
  );
}
