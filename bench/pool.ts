import { fork } from "node:child_process";

/**
 * Jobs spread over child processes (the same tsx loader as the parent): each child takes a job,
 * answers with its result, takes the next. Results come back in job order whatever the timing,
 * and every job seeds its own draws, so the output does not depend on the number of workers.
 */
export async function runInChildren<J, R>(
  file: string,
  jobs: J[],
  workers: number,
  onDone: (done: number, total: number) => void,
): Promise<R[]> {
  const results: R[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const child = fork(file, ["--child"]);
      let current = -1;
      const feed = () => {
        if (next >= jobs.length) {
          child.kill();
          resolve();
          return;
        }
        current = next++;
        child.send({ index: current, job: jobs[current] });
      };
      child.on("message", (message: { index: number; result: R }) => {
        results[message.index] = message.result;
        onDone(++done, jobs.length);
        feed();
      });
      child.on("exit", (code) => {
        if (next < jobs.length || (current >= 0 && results[current] === undefined))
          reject(new Error(`bench worker exited (${code}) during job ${current}`));
      });
      feed();
    });
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, jobs.length)) }, one));
  return results;
}

/** In a child: answers each job with `work(job)`. */
export function serveJobs<J, R>(work: (job: J) => R): void {
  process.on("message", (message: { index: number; job: J }) => {
    process.send?.({ index: message.index, result: work(message.job) });
  });
}
