import { EXIT } from "../core/outcome";
import { formatRecord } from "../core/record";
import { readJournal } from "../store/journal";
import { readState } from "../store/state";
import { type CommonOptions, loadConfig, noRollout, type Streams, stateDirOf } from "./common";
import { formatStatus } from "./status";

export async function explainCommand(stage: string, options: CommonOptions, io: Streams): Promise<number> {
  const cfg = loadConfig(stage, options, io);
  if (!cfg) return EXIT.error;
  const dir = stateDirOf(cfg, options);
  const records = readJournal(dir, stage);
  if (records.length === 0)
    return noRollout(io, options, stage, `no decision records for ${stage} in ${dir}`);
  const state = readState(dir, stage);
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
