import type { DbOrTx } from '@/db/client';
import { templateReferences } from '@/server/engine/template';
import { loadVariableValues } from '@/server/variables/list';
import { SecretDecryptionError } from './crypto';
import { SecretKeyError } from './key';
import { loadSecretValues } from './load';
import { noSecrets, SecretRedactor } from './redactor';

/** A secret or variable a task needs that cannot be had; the task fails with this message. */
export class RunSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunSettingsError';
  }
}

export interface RunSettingsScope {
  secrets: Record<string, string>;
  vars: Record<string, unknown>;
  /** Masks the secret values resolved here in whatever the attempt stores. */
  redactor: SecretRedactor;
}

/** Where each `secrets.X` / `vars.X` name is first used: `headers.Authorization`, `url`. */
function referencedNames(config: unknown): {
  secrets: Map<string, string>;
  vars: Map<string, string>;
  /** A bare `{{ vars }}` reads them all. */
  allVars: boolean;
} {
  const found = {
    secrets: new Map<string, string>(),
    vars: new Map<string, string>(),
    allVars: false,
  };
  const visit = (value: unknown, field: string) => {
    if (typeof value === 'string') {
      for (const ref of templateReferences(value)) {
        const [name] = ref.path;
        if (ref.root === 'vars' && name === undefined) found.allVars = true;
        if (typeof name !== 'string') continue;
        if (ref.root === 'secrets' && !found.secrets.has(name)) found.secrets.set(name, field);
        if (ref.root === 'vars' && !found.vars.has(name)) found.vars.set(name, field);
      }
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, `${field}[${i}]`);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) visit(item, field ? `${field}.${key}` : key);
    }
  };
  visit(config, '');
  return found;
}

const EMPTY: RunSettingsScope = { secrets: {}, vars: {}, redactor: noSecrets };

/**
 * Loads (and decrypts) only the secrets and variables a node's config
 * references, on the worker, just before the task runs. An unknown name
 * fails the task naming the node and the field; the value of a secret is
 * never part of any message.
 */
export async function loadRunSettings(
  db: DbOrTx,
  nodeId: string,
  config: Record<string, unknown>,
): Promise<RunSettingsScope> {
  const names = referencedNames(config);
  if (names.secrets.size === 0 && names.vars.size === 0 && !names.allVars) return EMPTY;
  // One after the other: `db` may be a transaction's single connection.
  const secretValues = await loadSecretsFailingClearly(db, [...names.secrets.keys()]);
  const varValues = await loadVariableValues(db, names.allVars ? 'all' : [...names.vars.keys()]);
  for (const [name, field] of names.secrets) {
    if (!secretValues.has(name)) {
      throw new RunSettingsError(`unknown secret "${name}" (node "${nodeId}", field ${field})`);
    }
  }
  for (const [name, field] of names.vars) {
    if (!varValues.has(name)) {
      throw new RunSettingsError(`unknown variable "${name}" (node "${nodeId}", field ${field})`);
    }
  }
  return {
    secrets: Object.fromEntries(secretValues),
    vars: Object.fromEntries(varValues),
    redactor: new SecretRedactor(secretValues.values()),
  };
}

async function loadSecretsFailingClearly(db: DbOrTx, names: string[]) {
  try {
    return await loadSecretValues(db, names);
  } catch (err) {
    if (err instanceof SecretDecryptionError || err instanceof SecretKeyError) {
      throw new RunSettingsError(err.message);
    }
    throw err;
  }
}
