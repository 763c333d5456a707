import { z } from "zod";

const cidr = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, "must be an IPv4 CIDR like 10.1.0.0/16");

export const AwsStageSchema = z
  .object({
    region: z.string().min(1),
    vpc: z
      .object({
        cidr: cidr.default("10.1.0.0/16"),
        publicSubnets: z.array(cidr).min(2).default(["10.1.1.0/24", "10.1.2.0/24"]),
        privateSubnets: z.array(cidr).min(2).default(["10.1.10.0/24", "10.1.11.0/24"]),
      })
      .strict()
      .default({
        cidr: "10.1.0.0/16",
        publicSubnets: ["10.1.1.0/24", "10.1.2.0/24"],
        privateSubnets: ["10.1.10.0/24", "10.1.11.0/24"],
      }),
  })
  .passthrough();

export type AwsStage = z.infer<typeof AwsStageSchema>;
