export * from "./cloudwatch";
export * from "./promql";
export * from "./rules";
export * from "./selectors";
