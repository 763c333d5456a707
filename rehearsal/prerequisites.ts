import { execFileSync } from "node:child_process";

/**
 * The rehearsal needs Debian's haproxy and prometheus. `npm run rehearse` runs
 * scripts/ensure-deps.sh first (it installs both when missing, and runs `npm ci`); this checks the
 * binaries themselves and installs them when run as root, so `tsx rehearsal/main.ts` works alone too.
 */
const PACKAGES: Record<string, string> = { haproxy: "haproxy", prometheus: "prometheus" };

function onPath(binary: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function ensurePrerequisites(log: (line: string) => void): void {
  const missing = Object.keys(PACKAGES).filter((binary) => !onPath(binary));
  if (missing.length === 0) return;
  const packages = missing.map((binary) => PACKAGES[binary] as string);
  if (process.getuid?.() !== 0) {
    throw new Error(
      `the rehearsal needs ${missing.join(" and ")}; install them: sudo apt-get install -y ${packages.join(" ")}`,
    );
  }
  log(`installing ${packages.join(", ")} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
    stdio: "inherit",
    env,
  });
  const still = missing.filter((binary) => !onPath(binary));
  if (still.length > 0)
    throw new Error(`installed ${packages.join(", ")} but ${still.join(", ")} is still not on PATH`);
}
