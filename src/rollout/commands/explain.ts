import { EXIT } from "../core/outcome";
import { formatRecord } from "../core/record";
import { type CommonOptions, loadConfig, noRollout, recordsOf, type Streams } from "./common";
import { formatStatus } from "./status";

export async function explainCommand(stage: string, options: CommonOptions, io: Streams): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const stored = recordsOf(cfg, options);
  const state = await stored.readState();
  const records = state ? await stored.readJournal(state.id) : [];
  if (records.length === 0)
    return noRollout(io, options, stage, `no decision records for ${stage} in ${stored.description}`);
  if (options.json) {
    io.out(`${JSON.stringify({ state: state ?? null, records }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (state) io.out(formatStatus(cfg, state, Date.now()).split("\n\nlatest decision:")[0] ?? "");
  io.out("\n");
  for (const record of records) {
    const cause = state?.causedBy === record.seq ? "  <== caused the outcome\n" : "";
    io.out(`${formatRecord(record)}\n${cause}\n`);
  }
  return EXIT.ok;
}
