import { describe, expect, it } from "vitest";
import { renderStage } from "../../src/synth/render";
import { inputs, ofType, stagingWith, TYPES } from "./fixtures";

/**
 * DocumentDB with TLS: the client must trust the Amazon RDS CA bundle (`global-bundle.pem`, from
 * https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem), passed as `tlsCAFile`
 * (https://docs.aws.amazon.com/documentdb/latest/developerguide/connect_programmatically.html).
 */
describe("the app's DocumentDB connection and container health check", async () => {
  const config = stagingWith();
  const rendered = await renderStage(config);
  const secretValues = ofType(rendered, TYPES.secretVersion).map((version) =>
    String(inputs(version).secretString),
  );

  it("MONGO_URL asks for TLS with the RDS CA bundle at the configured path in the image", () => {
    const mongoUrl = secretValues.find((value) => value.startsWith("mongodb://"));
    const query = new URLSearchParams(String(mongoUrl).split("?")[1]);
    expect(query.get("tls")).toBe("true");
    expect(query.get("tlsCAFile")).toBe(config.aws?.documentDb.caBundlePath);
    expect(config.aws?.documentDb.caBundlePath).toMatch(/^\/.+\.pem$/);
  });

  it("no container health check that needs curl (or any shell tool) in the image by default", () => {
    for (const task of ofType(rendered, TYPES.taskDefinition)) {
      const [container] = JSON.parse(inputs(task).containerDefinitions);
      expect(JSON.stringify(container.healthCheck ?? {})).not.toContain("curl");
      expect(container.healthCheck).toBeUndefined();
    }
  });

  it("a configured health check command is used as given, exec form", async () => {
    const command = ["/app/healthcheck", "--port", "8000"];
    const other = await renderStage(stagingWith({}, { ecs: { healthCheck: { command } } }));
    for (const task of ofType(other, TYPES.taskDefinition)) {
      const [container] = JSON.parse(inputs(task).containerDefinitions);
      expect(container.healthCheck.command).toEqual(["CMD", ...command]);
    }
  });
});
