/** `<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest]`. */
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?:[:@].*)?$/;

/** The ECR repository ARN an image is pulled from, or undefined for a registry that is not ECR. */
export function ecrRepositoryArn(image: string): string | undefined {
  const match = ECR_IMAGE.exec(image);
  if (!match) return undefined;
  const [, account, region, repository] = match;
  const partition = region?.startsWith("cn-") ? "aws-cn" : "aws";
  return `arn:${partition}:ecr:${region}:${account}:repository/${repository}`;
}
