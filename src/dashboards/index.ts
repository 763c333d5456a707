export * from "./cloud-monitoring";
export * from "./grafana";
export * from "./panels";
