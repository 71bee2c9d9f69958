import { readFileSync } from 'node:fs';

/** The pids of the sandbox hosts (server/sandbox/host.mjs) that process `pid` started, in order. */
export function sandboxHostPids(pid: number = process.pid): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(
      (child) =>
        child && readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('sandbox/host.mjs'),
    )
    .map(Number)
    .sort((a, b) => a - b);
}
