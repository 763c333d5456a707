#!/usr/bin/env node
// This workplace's npm registry serves only the linux-x64/arm64 builds of packages that ship native
// binaries as per-platform optional dependencies (Biome, Rollup). npm then writes a lock file
// without the other platforms' entries and `npm ci` refuses it ("Missing: ... from lock file").
// This adds those entries with their version and os/cpu/libc, so `npm ci` skips them by platform
// as it would with a lock written against the full registry. Run it after `npm install`.
import { readFileSync, writeFileSync } from "node:fs";

const LOCK = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, "utf8"));
const packages = lock.packages;

const OS = ["android", "darwin", "linux", "win32", "freebsd", "openbsd", "openharmony"];
const CPU = {
  arm64: "arm64",
  x64: "x64",
  arm: "arm",
  ia32: "ia32",
  loong64: "loong64",
  ppc64: "ppc64",
  riscv64: "riscv64",
  s390x: "s390x",
};

/** os/cpu/libc from names like cli-linux-x64-musl or rollup-linux-arm-gnueabihf. */
function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((part) => OS.includes(part));
  const cpu = parts.map((part) => CPU[part]).find(Boolean);
  if (!os || !cpu) return undefined;
  const tail = parts.slice(parts.indexOf(os) + 2).join("-");
  const libc = os !== "linux" ? undefined : tail.includes("musl") ? "musl" : "glibc";
  return { os, cpu, libc };
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  if (!path || !entry.optionalDependencies) continue;
  for (const [name, version] of Object.entries(entry.optionalDependencies)) {
    const key = `node_modules/${name}`;
    const platform = platformOf(name);
    if (packages[key] || !platform || !/^\d/.test(version)) continue;
    packages[key] = {
      version,
      cpu: [platform.cpu],
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [platform.os],
      ...(platform.libc ? { libc: [platform.libc] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.error(`complete-lockfile: added ${added} off-platform optional entries`);
