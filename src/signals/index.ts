export * from "./cloudwatch";
export * from "./monitoring-filter";
export * from "./promql";
export * from "./rules";
export * from "./selectors";
