import type { ApprovalField } from '../orchestration';
import type { TaskRunner } from '../runner';
import { PermanentTaskError, TaskTimeoutError } from '../runner';

interface ApprovalConfig {
  message: string;
  fields?: Record<string, ApprovalField>;
  timeoutSeconds?: number;
}

/** What `runs.decide` stores on the waiting task before resuming it. */
export interface ApprovalDecision {
  decision: 'approve' | 'reject';
  comment?: string;
  values?: Record<string, unknown>;
  decidedBy?: string | null;
  decidedAt: string;
}

export interface ApprovalState {
  kind: 'approval';
  requestedAt: string;
  decision?: ApprovalDecision;
}

export const approvalRunner: TaskRunner<ApprovalConfig> = {
  type: 'approval',
  async run(ctx) {
    const state = ctx.resumed?.state as ApprovalState | undefined;
    if (state?.decision) {
      const { decision } = state;
      const who = decision.decidedBy ? ` by ${decision.decidedBy}` : '';
      if (decision.decision === 'reject') {
        throw new PermanentTaskError(
          `rejected${who}${decision.comment ? `: ${decision.comment}` : ''}`,
        );
      }
      ctx.log('info', `approved${who}${decision.comment ? `: ${decision.comment}` : ''}`);
      return {
        output: {
          approved: true,
          comment: decision.comment ?? null,
          values: decision.values ?? {},
          decidedBy: decision.decidedBy ?? null,
          decidedAt: decision.decidedAt,
        },
      };
    }
    if (state) {
      // Resumed without a decision: the approval's own deadline passed.
      throw new TaskTimeoutError(`no decision within ${ctx.config.timeoutSeconds} s`);
    }
    const until = ctx.config.timeoutSeconds
      ? new Date(Date.now() + ctx.config.timeoutSeconds * 1000)
      : null;
    ctx.log('info', `waiting for approval: ${ctx.config.message}`);
    const requested: ApprovalState = { kind: 'approval', requestedAt: new Date().toISOString() };
    return {
      suspend: {
        until,
        state: requested,
        reason: `waiting for approval${until ? ` until ${until.toISOString()}` : ''}: ${ctx.config.message}`,
      },
    };
  },
};

/** Checks form values against the approval's fields; returns problems by field. */
export function checkApprovalValues(
  fields: Record<string, ApprovalField> | undefined,
  values: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  const defs = fields ?? {};
  for (const [name, def] of Object.entries(defs)) {
    const value = values[name];
    if (value === undefined || value === null || value === '') {
      if (def.required) problems.push(`field "${name}" is required`);
      continue;
    }
    if (typeof value !== def.type) problems.push(`field "${name}" must be a ${def.type}`);
  }
  for (const name of Object.keys(values)) {
    if (!(name in defs)) problems.push(`field "${name}" is not on this approval's form`);
  }
  return problems;
}
