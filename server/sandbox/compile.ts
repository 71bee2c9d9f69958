import { SourceMap } from 'node:module';
import { type Message, type TransformFailure, transform } from 'esbuild';
import { CodeError, type SourcePosition } from './code-error';

export type CodeLanguage = 'javascript' | 'typescript';

/** The name host.mjs gives its own prelude; frames from it are not the user's business. */
const PRELUDE_FILENAME = 'sandbox-prelude.js';
const FUNCTION_HEADER = '(async function (inputs, params, log) {\n';
const FUNCTION_FOOTER = '\n})';
/** esbuild lowers syntax newer than this; QuickJS (2025) runs ES2023 and most of ES2024. */
const TARGET = 'es2022';
const CACHE_SIZE = 500;

/**
 * User code turned into a script for the sandbox: its completion value is an async function
 * of (inputs, params, log). Keeps the source map to report positions in the user's source.
 */
export class CompiledCode {
  constructor(
    readonly code: string,
    readonly filename: string,
    private readonly sourceMap: SourceMap,
    /** 1-based line of the wrapped source where the user's source starts. */
    private readonly firstUserLine: number,
    private readonly userLines: readonly string[],
  ) {}

  /** A sandbox stack with positions in the user's source and without sandbox-internal frames. */
  mapStack(stack: string): string {
    return stack
      .split('\n')
      .filter((line) => !line.includes(PRELUDE_FILENAME))
      .map((line) =>
        line.replace(this.positionPattern(), (match, line: string, column?: string) => {
          const position = this.userPosition(Number(line), column ? Number(column) : 1);
          return position ? `${this.filename}:${position.line}:${position.column}` : match;
        }),
      )
      .join('\n')
      .trimEnd();
  }

  /** The user-source position of the first frame in a sandbox stack. */
  firstPosition(stack: string): SourcePosition | undefined {
    const found = this.positionPattern().exec(stack);
    if (!found?.[1]) return undefined;
    return this.userPosition(Number(found[1]), found[2] ? Number(found[2]) : 1);
  }

  private positionPattern(): RegExp {
    return new RegExp(`${this.filename.replace(/\./g, '\\.')}:(\\d+)(?::(\\d+))?`, 'g');
  }

  /** Maps a 1-based position in the compiled code to the user's source. */
  private userPosition(line: number, column: number): SourcePosition | undefined {
    const entry = this.sourceMap.findEntry(line - 1, column - 1);
    if (!('originalLine' in entry)) return undefined;
    const userLine = entry.originalLine + 2 - this.firstUserLine;
    const lastLine = this.userLines.length;
    if (userLine < 1) return { line: 1, column: 1 };
    if (userLine > lastLine)
      return { line: lastLine, column: (this.userLines.at(-1)?.length ?? 0) + 1 };
    return { line: userLine, column: entry.originalColumn + 1 };
  }
}

const cache = new Map<string, CompiledCode>();

/** A `code` node's function body (`return` gives the output; `await` is allowed). */
export function compileFunctionBody(
  source: string,
  language: CodeLanguage = 'javascript',
): Promise<CompiledCode> {
  return compileCached(`body\0${language}\0${source}`, () =>
    compileWrapped(source, '', language, language === 'typescript' ? 'code.ts' : 'code.js', 'code'),
  );
}

/** A branch condition: an expression over `inputs` and `params`, returned as a boolean. */
export function compileCondition(expression: string): Promise<CompiledCode> {
  return compileCached(`condition\0${expression}`, () =>
    compileWrapped(expression, 'return !!(\n', 'javascript', 'condition.js', 'condition', '\n);'),
  );
}

async function compileCached(
  key: string,
  compile: () => Promise<CompiledCode>,
): Promise<CompiledCode> {
  const cached = cache.get(key);
  if (cached) {
    // Re-insert so the Map's order is least-recently used first.
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const compiled = await compile();
  cache.set(key, compiled);
  if (cache.size > CACHE_SIZE) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  return compiled;
}

async function compileWrapped(
  userSource: string,
  prefix: string,
  language: CodeLanguage,
  filename: string,
  what: 'code' | 'condition',
  suffix = '',
): Promise<CompiledCode> {
  const header = FUNCTION_HEADER + prefix;
  const wrapped = header + userSource + suffix + FUNCTION_FOOTER;
  const firstUserLine = header.split('\n').length;
  const userLines = userSource.split('\n');
  try {
    const result = await transform(wrapped, {
      loader: language === 'typescript' ? 'ts' : 'js',
      target: TARGET,
      sourcemap: 'external',
      sourcefile: filename,
      logLevel: 'silent',
    });
    const sourceMap = new SourceMap(JSON.parse(result.map));
    return new CompiledCode(result.code, filename, sourceMap, firstUserLine, userLines);
  } catch (error) {
    if (!isTransformFailure(error)) throw error;
    throw syntaxError(error.errors[0], firstUserLine, userLines, what);
  }
}

function isTransformFailure(error: unknown): error is TransformFailure {
  return error instanceof Error && Array.isArray((error as Partial<TransformFailure>).errors);
}

/** esbuild's first error, with its position in the user's source rather than the wrapper's. */
function syntaxError(
  message: Message | undefined,
  firstUserLine: number,
  userLines: readonly string[],
  what: 'code' | 'condition',
): CodeError {
  const location = message?.location;
  const userLine = location ? location.line - firstUserLine + 1 : 0;
  if (!location || userLine < 1 || userLine > userLines.length) {
    // The parser ran into the wrapper around the user's source: the source ended too early.
    const line = userLines.length;
    const column = (userLines.at(-1)?.length ?? 0) + 1;
    return new CodeError(
      'syntax',
      `SyntaxError: unexpected end of ${what} (line ${line}, column ${column}): is a bracket, brace or parenthesis left open?`,
      { position: { line, column } },
    );
  }
  // esbuild counts columns in UTF-8 bytes; editors count characters.
  const lineText = userLines[userLine - 1] ?? location.lineText;
  const column = Buffer.from(lineText).subarray(0, location.column).toString().length + 1;
  const gutter = String(userLine);
  const indent = lineText.slice(0, column - 1).replace(/[^\t]/g, ' ');
  const codeFrame = `${gutter} | ${lineText}\n${' '.repeat(gutter.length)} | ${indent}^`;
  return new CodeError(
    'syntax',
    `SyntaxError: ${message?.text ?? 'invalid syntax'} (line ${userLine}, column ${column})`,
    { position: { line: userLine, column }, userStack: codeFrame },
  );
}
