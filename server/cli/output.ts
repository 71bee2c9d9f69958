/** A failure the user can fix: printed as one line, exit code 1. */
export class CliError extends Error {}

/** `--param n=21` → ['n', '21']; a pair without a name is refused, naming the flag. */
export function splitAssignment(flag: string, pair: string): [name: string, value: string] {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new CliError(`${flag} ${pair}: expected name=value`);
  return [pair.slice(0, eq), pair.slice(eq + 1)];
}

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

export const processIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
