// The bundle a bin may run instead of the TypeScript sources: `dist/<name>.cjs` when it exists and
// is newer than every file under src/ and policies/ (and package.json), so an edited source is
// never shadowed by a stale bundle. Checking costs a few milliseconds of stat calls.
const { readdirSync, statSync } = require("node:fs");
const { join } = require("node:path");

const ROOT = join(__dirname, "..");
const SKIP = new Set(["node_modules", "dist"]);

function newestUnder(dir, newest) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return newest;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) newest = newestUnder(path, newest);
    } else if (entry.name.endsWith(".ts") || entry.name.endsWith(".json")) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/** The fresh bundle's path, or undefined (missing or older than a source). */
function freshBundle(name) {
  const bundle = join(ROOT, "dist", `${name}.cjs`);
  let built;
  try {
    built = statSync(bundle).mtimeMs;
  } catch {
    return undefined;
  }
  let newest = statSync(join(ROOT, "package.json")).mtimeMs;
  for (const dir of ["src", "policies"]) newest = newestUnder(join(ROOT, dir), newest);
  return built > newest ? bundle : undefined;
}

module.exports = { freshBundle };
