import { z } from "zod";
import { safePath } from "./patterns";

/**
 * Where a stage's rollout state, journal, operator requests and lease live
 * (src/rollout/store/object-store.ts). `directory` keeps them in `rollout.store.path`, default
 * `rollout.stateDir` (rehearsal, tests, one machine); `gcs` and `s3` keep them in a bucket every machine with the stage config
 * and credentials reads, so `status`, `abort` and `reconcile` work from anywhere.
 */

/** A bucket name as both clouds accept it: 3-63 lower-case letters, digits, '-', '.'. */
const bucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    "must be a bucket name (3-63 lower-case letters, digits, '-' or '.')",
  );

/** A key prefix inside the bucket: plain path segments, no leading '/', no '..'. */
const keyPrefix = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*$/,
    "must be empty or path segments each ending in '/' (letters, digits, '-', '_', '.'), e.g. ion-rollout/prod/",
  );

export const StoreSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("directory"),
      /**
       * The directory that holds the records, relative to the project directory; default
       * `rollout.stateDir`. A directory every runner and operator of the stage reaches (a shared
       * mount, a rehearsal's common folder) makes them see one rollout, as a bucket does.
       */
      path: safePath.optional(),
    })
    .strict(),
  z
    .object({ kind: z.literal("gcs"), bucket: bucketName, prefix: keyPrefix.default("ion-rollout/") })
    .strict(),
  z
    .object({
      kind: z.literal("s3"),
      bucket: bucketName,
      prefix: keyPrefix.default("ion-rollout/"),
      /** The bucket's region; default the stage's `aws.region`. */
      region: z
        .string()
        .regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, "must be an AWS region such as ap-northeast-2")
        .optional(),
    })
    .strict(),
]);

export type StoreConfig = z.infer<typeof StoreSchema>;

/**
 * The lease one runner holds on a traffic target (src/rollout/store/lease.ts): it lapses
 * `ttlSeconds` after its last renewal, on the store's clock; the holder renews every
 * `renewSeconds`. `reconcile` reverts a canary whose lease lapsed, so ttl bounds how long an
 * orphaned canary serves before a scheduled reconcile may act.
 *
 * `handoverSeconds`: at a CI job's deadline (`--on-interrupt handover`) the runner holds and leaves
 * its lease for the next job's `resume` of the rollout, live this long (sized for the next job to
 * start: queue, checkout, setup); after it `reconcile` reverts the held canary. Bounded: the canary
 * serves unjudged for that long at most.
 */
export const LeaseSchema = z
  .object({
    ttlSeconds: z.number().int().min(3).max(3600).default(60),
    renewSeconds: z.number().int().min(1).max(1200).default(15),
    handoverSeconds: z
      .number()
      .int()
      .min(30, "must be at least 30 s (time for the next CI job to start and resume)")
      .max(3600, "must be at most 3600 s: a held canary serves unjudged for this long")
      .default(900),
  })
  .strict()
  .superRefine((lease, ctx) => {
    if (lease.renewSeconds * 2 > lease.ttlSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["renewSeconds"],
        message: `renewSeconds (${lease.renewSeconds}) must be at most half of ttlSeconds (${lease.ttlSeconds}), so one late or failed renewal does not lose the lease; lower rollout.lease.renewSeconds or raise rollout.lease.ttlSeconds`,
      });
    }
  });

export type LeaseConfig = z.infer<typeof LeaseSchema>;
