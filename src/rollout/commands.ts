import type { CommonOptions, Streams } from "../cli/ion-rollout";

/** Placeholder until the runner lands. */
function notYet(io: Streams): number {
  io.err("not implemented yet\n");
  return 1;
}
export async function startCommand(
  _s: string,
  _o: CommonOptions & { image: string; name?: string },
  io: Streams,
) {
  return notYet(io);
}
export async function resumeCommand(_s: string, _o: CommonOptions, io: Streams) {
  return notYet(io);
}
export async function statusCommand(_s: string, _o: CommonOptions & { watch?: boolean }, io: Streams) {
  return notYet(io);
}
export async function abortCommand(_s: string, _o: CommonOptions, io: Streams) {
  return notYet(io);
}
export async function promoteCommand(_s: string, _o: CommonOptions & { yes?: boolean }, io: Streams) {
  return notYet(io);
}
export async function explainCommand(_s: string, _o: CommonOptions, io: Streams) {
  return notYet(io);
}
