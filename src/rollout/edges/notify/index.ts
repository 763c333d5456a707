export * from "./fail-safe";
export * from "./from-env";
export * from "./json-webhook";
export * from "./slack";
