export * from "./monitoring";
export * from "./prometheus-rules";
export * from "./provider";
