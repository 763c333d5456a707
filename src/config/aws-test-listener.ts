import { z } from "zod";
import { parseIpv4Cidr } from "./cidr";

/**
 * `aws.alb.testListener`: a second HTTPS listener that always forwards to the canary's target
 * group, as CodeDeploy's test-traffic route does
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/tutorial-ecs-with-hooks-create-second-listener.html),
 * so the pre-traffic gate can ask the canary before it has any share of the public listener.
 * ALB listener ports are 1-65535, protocols HTTP/HTTPS; an HTTPS listener needs a certificate and
 * a security policy (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/application/create-https-listener).
 * Only the operators' CIDRs may reach it: never the internet.
 */

const INTERNET = ["0.0.0.0/0", "::/0"];

const operatorCidr = z.string().superRefine((text, ctx) => {
  if (INTERNET.includes(text)) {
    ctx.addIssue({
      code: "custom",
      message: `the test listener reaches the canary before any check has passed; it must not be open to ${text}. List the operators' or CI runners' CIDRs`,
    });
    return;
  }
  const parsed = parseIpv4Cidr(text);
  if (typeof parsed === "string") ctx.addIssue({ code: "custom", message: `${parsed} (got "${text}")` });
});

export const TestListenerSchema = z
  .object({
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .refine((port) => port !== 80 && port !== 443, "80 and 443 are the public listeners' ports")
      .default(8443),
    /** Who may reach the test listener: the operators' / CI runners' public CIDRs. */
    allowedCidrs: z.array(operatorCidr).min(1),
    /** Default the public listener's `alb.certificateArn`. */
    certificateArn: z
      .string()
      .regex(
        /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
        "must be an ACM certificate ARN",
      )
      .optional(),
  })
  .strict();

export type TestListenerConfig = z.infer<typeof TestListenerSchema>;
