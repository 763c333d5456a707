import { describe, expect, it } from "vitest";
import { renderStage } from "../../src/synth/render";
import { inputs, ofType, stagingWith, TYPES } from "./fixtures";

/**
 * The providers' rules, written out here from their documentation (not from src/):
 * - ElastiCache AUTH token: 16-128 printable characters; the only non-alphanumerics allowed are
 *   ! & # $ ^ < > -  (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html)
 * - DocumentDB master password: 8-100 printable ASCII characters except / " @ (and no space)
 *   (https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/docdb/aws.sdk.kotlin.services.docdb.model/-modify-db-cluster-request/master-user-password.html)
 */
const REDIS_TOKEN_SPECIALS = new Set(["!", "&", "#", "$", "^", "<", ">", "-"]);
const DOCDB_FORBIDDEN = new Set(["/", '"', "@", " "]);
const ALPHANUMERIC = /^[A-Za-z0-9]$/;

/** `@pulumi/random`'s alphabet for a password: letters, digits and its specials. */
function specialsOf(password: Record<string, unknown>): string[] {
  expect(password.special ?? true).toBe(true);
  const special = password.overrideSpecial;
  expect(typeof special).toBe("string");
  return [...(special as string)];
}

describe("generated credentials follow the providers' documented alphabets", async () => {
  const rendered = await renderStage(stagingWith(), {
    secrets: { docdbMasterPassword: undefined, redisAuthToken: undefined },
  });
  const passwords = ofType(rendered, TYPES.randomPassword);
  const named = (suffix: string) => {
    const found = passwords.filter((password) => password.name.endsWith(suffix));
    expect(found).toHaveLength(1);
    return inputs(found[0] as (typeof passwords)[number]);
  };

  it("Redis AUTH token: only ElastiCache's specials, 16-128 characters", () => {
    const token = named("-redis");
    for (const char of specialsOf(token)) {
      expect(ALPHANUMERIC.test(char) || REDIS_TOKEN_SPECIALS.has(char), `"${char}" in an AUTH token`).toBe(
        true,
      );
    }
    expect(token.length).toBeGreaterThanOrEqual(16);
    expect(token.length).toBeLessThanOrEqual(128);
  });

  it('DocumentDB master password: printable ASCII without / " @ or space, 8-100 characters', () => {
    const password = named("-docdb");
    for (const char of specialsOf(password)) {
      const code = char.charCodeAt(0);
      expect(code >= 0x21 && code <= 0x7e && !DOCDB_FORBIDDEN.has(char), `"${char}" in a password`).toBe(
        true,
      );
    }
    expect(password.length).toBeGreaterThanOrEqual(8);
    expect(password.length).toBeLessThanOrEqual(100);
  });
});

describe("a configured Redis AUTH token is checked against ElastiCache's rule", () => {
  it("accepts letters, digits and the allowed specials; rejects others and bad lengths", async () => {
    const { redisAuthTokenProblem } = await import("../../src/aws/credentials");
    expect(redisAuthTokenProblem("Abcdefgh12345678!&#$^<>-")).toBeUndefined();
    expect(redisAuthTokenProblem("Abcdefgh12345678%")).toMatch(/contains %/);
    expect(redisAuthTokenProblem("short-token")).toMatch(/16-128/);
    expect(redisAuthTokenProblem("x".repeat(129))).toMatch(/16-128/);
  });
});
