import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import type { StageConfig } from "../config";
import { gcpSettings } from "../config/gcp-settings";
import { cloudMonitoringDashboard } from "../dashboards";

export interface CloudMonitoringDashboardArgs {
  config: StageConfig;
}

/**
 * The release dashboard in the Cloud console: the same panels, PromQL and limits as the Grafana
 * dashboard (src/dashboards), so a GCP stage shows one picture in either place.
 */
export class CloudMonitoringDashboard extends pulumi.ComponentResource {
  readonly dashboard: gcp.monitoring.Dashboard;

  constructor(name: string, args: CloudMonitoringDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ion-deploy:gcp:CloudMonitoringDashboard", name, {}, opts);
    this.dashboard = new gcp.monitoring.Dashboard(
      name,
      {
        project: gcpSettings(args.config).project,
        dashboardJson: JSON.stringify(cloudMonitoringDashboard(args.config)),
      },
      { parent: this },
    );
    this.registerOutputs({ dashboardId: this.dashboard.id });
  }
}
