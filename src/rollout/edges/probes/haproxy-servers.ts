import { runtimeCommands } from "../drivers/haproxy";

/**
 * Where HAProxy sends each server of a backend (`show servers state <backend>`): the rehearsal's
 * canary and stable apps, whose ports swap at every hand-over. HAProxy is the truth for the local
 * platform as the stack's outputs are in the cloud.
 */

export type ServerAddresses = Record<string, { address: string; port: number }>;

/**
 * Parses `show servers state`: a version line, a `# be_id be_name srv_id srv_name srv_addr …
 * srv_port …` header, then one line per server. Columns are found by the header's names.
 */
export function parseServersState(text: string): ServerAddresses {
  const lines = text.split("\n").map((line) => line.trim());
  const header = lines.find((line) => line.startsWith("#"));
  if (!header)
    throw new Error(`unexpected answer to show servers state: ${JSON.stringify(text.slice(0, 120))}`);
  const names = header.replace(/^#\s*/, "").split(/\s+/);
  const col = (name: string) => {
    const index = names.indexOf(name);
    if (index < 0) throw new Error(`show servers state has no ${name} column`);
    return index;
  };
  const [nameAt, addrAt, portAt] = [col("srv_name"), col("srv_addr"), col("srv_port")];
  const servers: ServerAddresses = {};
  for (const line of lines) {
    if (line === "" || line.startsWith("#") || /^\d+$/.test(line)) continue;
    const fields = line.split(/\s+/);
    const name = fields[nameAt];
    if (name) servers[name] = { address: fields[addrAt] ?? "", port: Number(fields[portAt]) };
  }
  return servers;
}

export async function haproxyServers(
  socketPath: string,
  backend: string,
  signal?: AbortSignal,
): Promise<ServerAddresses> {
  const [answer] = await runtimeCommands(socketPath, [`show servers state ${backend}`], 2_000, signal);
  return parseServersState(answer ?? "");
}
