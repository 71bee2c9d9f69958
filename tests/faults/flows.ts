import type { IncomingMessage, ServerResponse } from 'node:http';
import { json, startHttpServer, type TestServer } from '../helpers/http-server';

/**
 * The flows and the slow HTTP endpoint the fault scenarios run. Tasks wait
 * on `/sleep?ms=…` instead of burning CPU, so a worker is mid-task for a
 * while without starving the two cores everything shares.
 */

export async function startSlowServer(
  extra?: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean,
): Promise<TestServer> {
  return startHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (extra?.(req, res, url)) return;
    const ms = Number(url.searchParams.get('ms') ?? 0);
    setTimeout(() => json(res, 200, { slept: ms, key: url.searchParams.get('key') }), ms);
  });
}

const at = (x: number, y: number) => ({ x: x * 220, y: y * 120 });

/**
 * Eight tasks: a start, three tagged branches (a limit shared by every run),
 * a merge, two more branches and an end. `maxConcurrency` 3 per run.
 */
export function crashFlow(server: string, tag: string) {
  const slow = (ms: number) => ({ url: `${server}/sleep?ms=${ms}&key={{ params.key }}` });
  return {
    version: 1,
    name: 'Fault injection: diamond',
    params: { key: { type: 'string', default: 'k' } },
    settings: { maxConcurrency: 3 },
    nodes: [
      { id: 'start', type: 'http', position: at(0, 1), config: slow(200) },
      ...[1, 2, 3].map((i) => ({
        id: `b${i}`,
        type: 'http',
        position: at(1, i - 1),
        config: slow(400),
        concurrencyTag: tag,
      })),
      {
        id: 'merge',
        type: 'code',
        position: at(2, 1),
        config: { source: 'return Object.keys(inputs).sort().join(",");' },
      },
      { id: 'c1', type: 'http', position: at(3, 0), config: slow(300) },
      { id: 'c2', type: 'http', position: at(3, 2), config: slow(300) },
      {
        id: 'end',
        type: 'code',
        position: at(4, 1),
        config: { source: 'return { c1: inputs.c1.status, c2: inputs.c2.status };' },
      },
    ],
    edges: [
      { source: 'start', target: 'b1' },
      { source: 'start', target: 'b2' },
      { source: 'start', target: 'b3' },
      { source: 'b1', target: 'merge' },
      { source: 'b2', target: 'merge' },
      { source: 'b3', target: 'merge' },
      { source: 'merge', target: 'c1' },
      { source: 'merge', target: 'c2' },
      { source: 'c1', target: 'end' },
      { source: 'c2', target: 'end' },
    ],
  };
}

/** A chain of `length` slow HTTP tasks. */
export function chainFlow(
  server: string,
  length: number,
  ms: number,
  name = 'Fault injection: chain',
) {
  return {
    version: 1,
    name,
    params: { key: { type: 'string', default: 'k' } },
    nodes: Array.from({ length }, (_, i) => ({
      id: `t${i}`,
      type: 'http',
      position: at(i, 0),
      config: { url: `${server}/sleep?ms=${ms}&key={{ params.key }}-${i}` },
    })),
    edges: Array.from({ length: length - 1 }, (_, i) => ({ source: `t${i}`, target: `t${i + 1}` })),
  };
}

/**
 * A chain of `length` quick code tasks, each returning the one before's
 * output + 1: the last one's output is `length` only if every task ran
 * once, in order. A worker runs such a chain ahead of its commits.
 */
export function codeChainFlow(length: number) {
  return {
    version: 1,
    name: 'Fault injection: code chain',
    nodes: Array.from({ length }, (_, i) => ({
      id: `t${i}`,
      type: 'code',
      position: at(i, 0),
      config: { source: i === 0 ? 'return 1;' : `return inputs.t${i - 1} + 1;` },
    })),
    edges: Array.from({ length: length - 1 }, (_, i) => ({ source: `t${i}`, target: `t${i + 1}` })),
  };
}

/** Ten code tasks: a start, eight in parallel, an end (the load scenario's flow). */
export function fanFlow() {
  const middle = Array.from({ length: 8 }, (_, i) => `m${i}`);
  return {
    version: 1,
    name: 'Fault injection: ten tasks',
    nodes: [
      { id: 'start', type: 'code', position: at(0, 4), config: { source: 'return 1;' } },
      ...middle.map((id, i) => ({
        id,
        type: 'code',
        position: at(1, i),
        config: { source: `return inputs.start + ${i};` },
      })),
      {
        id: 'end',
        type: 'code',
        position: at(2, 4),
        config: { source: 'return Object.values(inputs).reduce((a, b) => a + b, 0);' },
      },
    ],
    edges: [
      ...middle.map((id) => ({ source: 'start', target: id })),
      ...middle.map((id) => ({ source: id, target: 'end' })),
    ],
  };
}
