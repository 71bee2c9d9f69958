import { z } from 'zod';

/**
 * The flow document, version 1: the public contract for saving, exporting,
 * importing and running a flow. Optional fields stay absent when absent (no
 * defaults are written into the document), so export(import(doc)) is doc.
 * Defaults are applied when a run is planned (see `nodeSettings`).
 */

export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * A worker pool's name: workers started with `--pool <name>` take only its
 * tasks. A slug, because it also names the pool's pg-boss queue.
 */
export const POOL_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,49}$/;
export const poolNameSchema = z
  .string()
  .regex(
    POOL_NAME_PATTERN,
    'must be a pool name: lowercase letters, digits, "-" or "_", at most 50 characters',
  );

export const retryPolicySchema = z.strictObject({
  retries: z.number().int().min(0).max(100).optional(),
  delaySeconds: z.number().min(0).max(86_400).optional(),
  backoff: z.enum(['fixed', 'exponential']).optional(),
  jitter: z.number().min(0).max(1).optional(),
  maxDelaySeconds: z.number().min(0).max(86_400).optional(),
});

export const cachePolicySchema = z.strictObject({
  enabled: z.boolean(),
  ttlSeconds: z.number().int().positive().optional(),
  /** Bump to invalidate every cached value of this node. */
  version: z.union([z.string(), z.number()]).optional(),
});

export const positionSchema = z.strictObject({ x: z.number(), y: z.number() });

export const flowNodeSchema = z.strictObject({
  id: z
    .string()
    .regex(
      NODE_ID_PATTERN,
      'must be 1-64 letters, digits, "-" or "_", starting with a letter or digit',
    ),
  type: z.string().min(1),
  name: z.string().max(200).optional(),
  position: positionSchema.optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  retry: retryPolicySchema.optional(),
  cache: cachePolicySchema.optional(),
  timeoutSeconds: z
    .number()
    .positive()
    .max(7 * 86_400)
    .optional(),
  concurrencyTag: z.string().min(1).max(100).optional(),
  pool: poolNameSchema.optional(),
});

export const flowEdgeSchema = z.strictObject({
  id: z.string().optional(),
  source: z.string(),
  target: z.string(),
  sourceHandle: z.string().optional(),
});

export const paramDefinitionSchema = z.strictObject({
  type: z.enum(['string', 'number', 'boolean', 'json']),
  default: z.unknown().optional(),
  required: z.boolean().optional(),
  description: z.string().optional(),
});

export const stickyNoteSchema = z.strictObject({
  id: z.string(),
  text: z.string(),
  position: positionSchema,
  width: z.number().positive().optional(),
  height: z.number().positive().optional(),
});

export const flowSettingsSchema = z.strictObject({
  maxConcurrency: z.number().int().min(1).max(1000).optional(),
  timeoutSeconds: z
    .number()
    .positive()
    .max(30 * 86_400)
    .optional(),
  pool: poolNameSchema.optional(),
});

export const flowDocumentSchema = z.strictObject({
  version: z.literal(1),
  name: z.string().trim().min(1, 'is required').max(200),
  description: z.string().max(5000).optional(),
  params: z
    .record(
      z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not a valid parameter name'),
      paramDefinitionSchema,
    )
    .optional(),
  settings: flowSettingsSchema.optional(),
  nodes: z.array(flowNodeSchema),
  edges: z.array(flowEdgeSchema),
  notes: z.array(stickyNoteSchema).optional(),
});

export type FlowDocument = z.infer<typeof flowDocumentSchema>;
export type FlowNode = z.infer<typeof flowNodeSchema>;
export type FlowEdge = z.infer<typeof flowEdgeSchema>;
export type RetryPolicy = z.infer<typeof retryPolicySchema>;
export type CachePolicy = z.infer<typeof cachePolicySchema>;
export type ParamDefinition = z.infer<typeof paramDefinitionSchema>;

/** What document validation needs to know about task types. */
export interface TaskTypeLookup {
  /** The config schema of a type, or undefined when the type is unknown. */
  configSchema(type: string): z.ZodType | undefined;
  /** Output handles of a type that routes (branch: ["true", "false"]). */
  handles(type: string): readonly string[] | undefined;
}

export interface DocumentIssue {
  /** Dotted path inside the document, e.g. `nodes.post.config.url`. */
  path: string;
  nodeId?: string;
  edgeIndex?: number;
  message: string;
}

export class FlowDocumentError extends Error {
  readonly issues: DocumentIssue[];
  constructor(issues: DocumentIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'FlowDocumentError';
    this.issues = issues;
  }
}

export function formatIssue(issue: DocumentIssue): string {
  const where =
    issue.nodeId !== undefined
      ? `node "${issue.nodeId}"`
      : issue.edgeIndex !== undefined
        ? `edge #${issue.edgeIndex + 1}`
        : undefined;
  const field = issue.path.replace(/^nodes\.[^.]+\.?/, '').replace(/^edges\.\d+\.?/, '');
  const parts = [where, field || undefined].filter(Boolean).join(' ');
  return parts ? `${parts}: ${issue.message}` : issue.message;
}

type PathSegment = PropertyKey;

function zodIssuesToDocumentIssues(
  raw: unknown,
  issues: readonly {
    path: readonly PathSegment[];
    message: string;
    code?: string;
    keys?: string[];
  }[],
): DocumentIssue[] {
  const rawNodes = isRecord(raw) && Array.isArray(raw.nodes) ? raw.nodes : [];
  return issues.map((issue) => {
    const path = [...issue.path];
    const message =
      issue.code === 'unrecognized_keys' && issue.keys
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
        : issue.message;
    if (path[0] === 'nodes' && typeof path[1] === 'number') {
      const candidate = rawNodes[path[1]];
      const id =
        isRecord(candidate) && typeof candidate.id === 'string' && candidate.id
          ? candidate.id
          : `#${path[1] + 1}`;
      return { path: ['nodes', id, ...path.slice(2)].map(String).join('.'), nodeId: id, message };
    }
    if (path[0] === 'edges' && typeof path[1] === 'number') {
      return { path: path.map(String).join('.'), edgeIndex: path[1], message };
    }
    return { path: path.map(String).join('.'), message };
  });
}

const MAX_DOCUMENT_DEPTH = 100;

/** The path of the first value nested deeper than MAX_DOCUMENT_DEPTH, if any. */
function tooDeepAt(value: unknown, path: PathSegment[]): PathSegment[] | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (path.length >= MAX_DOCUMENT_DEPTH) return path;
  for (const [key, child] of Object.entries(value)) {
    const found = tooDeepAt(child, [...path, Array.isArray(value) ? Number(key) : key]);
    if (found) return found;
  }
  return undefined;
}

/** The version as written, for the message; a value JSON cannot show (a BigInt) by its type. */
function describeVersion(version: unknown): string {
  try {
    return JSON.stringify(version) ?? String(version);
  } catch {
    return `(a ${typeof version})`;
  }
}

/** Values in `value` that JSON cannot hold, each named by its path (nodes by id). */
function nonJsonValues(value: unknown, path: string[] = [], nodeId?: string): DocumentIssue[] {
  const kind = typeof value;
  if (kind === 'bigint' || kind === 'function' || kind === 'symbol') {
    return [
      {
        path: path.join('.'),
        ...(nodeId !== undefined ? { nodeId } : {}),
        message: `a ${kind} is not a JSON value`,
      },
    ];
  }
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    // Inside `nodes`, name a node by its id, as every other issue does.
    const node =
      path.length === 1 && path[0] === 'nodes' && isRecord(child) && typeof child.id === 'string'
        ? child.id
        : undefined;
    return nonJsonValues(child, [...path, node ?? key], node ?? nodeId);
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses and checks a v1 flow document: structure, unique node ids, known
 * types, each node's config against its type, edges that point at nodes,
 * handles that exist, and no cycles. Throws FlowDocumentError listing every
 * problem found, each naming its node or edge and field.
 */
export function validateFlowDocument(raw: unknown, types: TaskTypeLookup): FlowDocument {
  if (isRecord(raw) && raw.version !== undefined && raw.version !== 1) {
    throw new FlowDocumentError([
      {
        path: 'version',
        message: `unsupported version ${describeVersion(raw.version)}; this Pipewright reads version 1`,
      },
    ]);
  }
  // Nesting far past any real document overflows the stack in the checks below.
  const deep = tooDeepAt(raw, []);
  if (deep) {
    throw new FlowDocumentError(
      zodIssuesToDocumentIssues(raw, [
        { path: deep, message: `nested more than ${MAX_DOCUMENT_DEPTH} levels deep` },
      ]),
    );
  }
  const parsed = flowDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new FlowDocumentError(zodIssuesToDocumentIssues(raw, parsed.error.issues));
  }
  const doc = parsed.data;
  const issues: DocumentIssue[] = [];
  // A document is JSON: a BigInt, function or symbol (possible in-process and
  // through superjson) would fail on save; name where it is.
  const foreign = nonJsonValues(doc);
  issues.push(...foreign);
  // PostgreSQL cannot store U+0000 in text or JSON; say so instead of failing on save.
  if (foreign.length === 0 && JSON.stringify(doc).includes('\\u0000')) {
    issues.push({
      path: '',
      message: 'contains a NUL character (\\u0000), which cannot be stored; remove it',
    });
  }

  const byId = new Map<string, FlowNode>();
  for (const node of doc.nodes) {
    if (byId.has(node.id)) {
      issues.push({ path: `nodes.${node.id}.id`, nodeId: node.id, message: 'duplicate node id' });
      continue;
    }
    byId.set(node.id, node);
    const schema = types.configSchema(node.type);
    if (!schema) {
      issues.push({
        path: `nodes.${node.id}.type`,
        nodeId: node.id,
        message: `unknown task type "${node.type}"`,
      });
      continue;
    }
    const config = schema.safeParse(node.config ?? {});
    if (!config.success) {
      for (const ci of config.error.issues) {
        const field = ['config', ...ci.path.map(String)].join('.');
        const message =
          ci.code === 'unrecognized_keys'
            ? `unknown field${ci.keys.length > 1 ? 's' : ''} ${ci.keys.map((k) => `"${k}"`).join(', ')}`
            : ci.message;
        issues.push({ path: `nodes.${node.id}.${field}`, nodeId: node.id, message });
      }
    }
  }

  const seenEdges = new Set<string>();
  doc.edges.forEach((edge, index) => {
    const label = `${edge.source} → ${edge.target}`;
    for (const end of ['source', 'target'] as const) {
      if (!byId.has(edge[end])) {
        issues.push({
          path: `edges.${index}.${end}`,
          edgeIndex: index,
          message: `${label}: ${end} "${edge[end]}" is not a node in this flow`,
        });
      }
    }
    if (edge.source === edge.target) {
      issues.push({
        path: `edges.${index}`,
        edgeIndex: index,
        message: `${label}: a node cannot depend on itself`,
      });
    }
    const source = byId.get(edge.source);
    if (source) {
      const handles = types.handles(source.type);
      if (handles && handles.length > 0) {
        if (edge.sourceHandle === undefined || !handles.includes(edge.sourceHandle)) {
          issues.push({
            path: `edges.${index}.sourceHandle`,
            edgeIndex: index,
            message: `${label}: an edge leaving ${source.type} node "${source.id}" needs sourceHandle ${handles.map((h) => `"${h}"`).join(' or ')}`,
          });
        }
      } else if (edge.sourceHandle !== undefined) {
        issues.push({
          path: `edges.${index}.sourceHandle`,
          edgeIndex: index,
          message: `${label}: node "${source.id}" has no output handle "${edge.sourceHandle}"`,
        });
      }
    }
    const key = `${edge.source}\u0000${edge.sourceHandle ?? ''}\u0000${edge.target}`;
    if (seenEdges.has(key)) {
      issues.push({
        path: `edges.${index}`,
        edgeIndex: index,
        message: `${label}: duplicate edge`,
      });
    }
    seenEdges.add(key);
  });

  if (issues.length === 0) {
    const cycle = findCycle(
      doc.nodes.map((n) => n.id),
      doc.edges,
    );
    if (cycle) {
      issues.push({
        path: `nodes.${cycle[0]}`,
        nodeId: cycle[0],
        message: `is part of a cycle: ${cycle.join(' → ')}`,
      });
    }
  }

  if (issues.length > 0) throw new FlowDocumentError(issues);
  return doc;
}

/** Returns one cycle as a closed path of node ids (first = last), or null. */
export function findCycle(
  nodeIds: readonly string[],
  edges: readonly { source: string; target: string }[],
): string[] | null {
  const out = new Map<string, string[]>();
  for (const id of nodeIds) out.set(id, []);
  for (const e of edges) out.get(e.source)?.push(e.target);
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const color = new Map<string, number>(nodeIds.map((id) => [id, WHITE]));
  const stack: string[] = [];

  // Iterative DFS so a 5,000-node chain cannot overflow the call stack.
  for (const start of nodeIds) {
    if (color.get(start) !== WHITE) continue;
    const frames: { id: string; next: number }[] = [{ id: start, next: 0 }];
    color.set(start, GREY);
    stack.push(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const targets = out.get(frame.id) ?? [];
      if (frame.next < targets.length) {
        const t = targets[frame.next++]!;
        const c = color.get(t);
        if (c === GREY) {
          return [...stack.slice(stack.indexOf(t)), t];
        }
        if (c === WHITE) {
          color.set(t, GREY);
          stack.push(t);
          frames.push({ id: t, next: 0 });
        }
      } else {
        color.set(frame.id, BLACK);
        stack.pop();
        frames.pop();
      }
    }
  }
  return null;
}

/** Would adding source → target close a cycle? Used by the editor while connecting. */
export function wouldCreateCycle(
  edges: readonly { source: string; target: string }[],
  source: string,
  target: string,
): string[] | null {
  if (source === target) return [source, source];
  // A path target ⇝ source plus the new edge is a cycle.
  const out = new Map<string, string[]>();
  for (const e of edges) {
    const list = out.get(e.source) ?? [];
    list.push(e.target);
    out.set(e.source, list);
  }
  const prev = new Map<string, string>();
  const queue = [target];
  const seen = new Set([target]);
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (id === source) {
      const path = [source];
      let cur = source;
      while (cur !== target) {
        cur = prev.get(cur)!;
        path.unshift(cur);
      }
      return [source, ...path];
    }
    for (const t of out.get(id) ?? []) {
      if (!seen.has(t)) {
        seen.add(t);
        prev.set(t, id);
        queue.push(t);
      }
    }
  }
  return null;
}
