// Sandbox host: a child process of SandboxPool (pool.ts). It runs untrusted user code in
// QuickJS compiled to WebAssembly, so the code never touches a V8 heap, and each execution
// gets a fresh QuickJS runtime, so nothing survives from one execution to the next.
// The pool starts it with an empty environment and Node's permission model: it may read only
// this file and the QuickJS packages, and may not spawn processes, open workers or load addons.
// Plain JavaScript (not TypeScript) because Node 20 runs it directly, without a loader.
import releaseSyncVariant from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant } from 'quickjs-emscripten-core';

const MAX_LOG_LINES = 1000;
const MAX_LOG_BYTES = 64 * 1024;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];
const PRELUDE_FILENAME = 'sandbox-prelude.js';

const quickjs = await newQuickJSWASMModuleFromVariant(releaseSyncVariant);

/**
 * Runs inside QuickJS, never in Node: its source text is compiled in each fresh context, so it
 * is kept small (compiling is most of an execution's cost). It must not refer to anything
 * outside itself. It captures the built-ins the sandbox relies on before user code can replace
 * them, parses the inputs and builds `log`. The log formatter and the output checker's slow
 * path are compiled into the same context only when first needed (`loadHelper`); they get the
 * captured built-ins as their argument and look up no global, since user code ran before them.
 */
function sandboxPrelude(emit, loadHelper, inputText, inputsJson, inputsByKey, paramsJson) {
  const { parse, stringify } = JSON;
  const { getPrototypeOf, defineProperty, keys } = Object;
  const ObjectPrototype = Object.prototype;
  const ArrayPrototype = Array.prototype;
  const NativeInternalError = InternalError;
  const constructorName = (value) => {
    const prototype = getPrototypeOf(value);
    if (prototype === null) return null;
    const maker = prototype.constructor;
    return typeof maker === 'function' && typeof maker.name === 'string' ? maker.name : '';
  };
  // What the helpers get. A null prototype: a name missing here cannot be found on an
  // Object.prototype the user code changed.
  const captured = {
    __proto__: null,
    parse,
    stringify,
    getPrototypeOf,
    getOwnPropertyDescriptor: Object.getOwnPropertyDescriptor,
    ownKeys: Object.keys,
    sameValue: Object.is,
    isArray: Array.isArray,
    isView: ArrayBuffer.isView,
    toNumber: Number,
    toText: String,
    isFiniteNumber: Number.isFinite,
    isNaNNumber: Number.isNaN,
    trunc: Math.trunc,
    functionSource: Function.prototype.call.bind(Function.prototype.toString),
    NativeError: Error,
    NativeInternalError,
    NativePromise: Promise,
    NativeMap: Map,
    NativeSet: Set,
    NativeWeakMap: WeakMap,
    NativeWeakSet: WeakSet,
    NativeArrayBuffer: ArrayBuffer,
    NativeDate: Date,
    NativeRegExp: RegExp,
    ObjectPrototype,
    ArrayPrototype,
    constructorName,
  };
  const helpers = { __proto__: null };
  const helper = (name) => {
    helpers[name] ??= loadHelper(name)(captured);
    return helpers[name];
  };

  // Strings alone, without a format specifier, print as they are: most logs never need the
  // formatter, so never compile it.
  const isPlainText = (args) => {
    for (let i = 0; i < args.length; i++) if (typeof args[i] !== 'string') return false;
    return args.length < 2 || !args[0].includes('%');
  };
  const logAt =
    (level) =>
    (...args) => {
      emit(level, isPlainText(args) ? args.join(' ') : helper('formatter')(args));
    };
  const log = Object.freeze({
    debug: logAt('debug'),
    info: logAt('info'),
    warn: logAt('warn'),
    error: logAt('error'),
  });
  // Inputs by name are parsed when first read (and are plain data properties from then on):
  // code that never touches a large input never pays for parsing it. An input given as a
  // number is a text the host holds (the pool sent it once for many executions): it enters
  // this context only if the code reads it.
  const lazyInputs = (texts) => {
    const record = {};
    const settle = (key, value) =>
      defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
    for (const key of keys(texts)) {
      const text = texts[key];
      defineProperty(record, key, {
        enumerable: true,
        configurable: true,
        get: () => {
          const value = parse(typeof text === 'number' ? inputText(text) : text);
          settle(key, value);
          return value;
        },
        set: (value) => settle(key, value),
      });
    }
    return record;
  };
  const inputs = inputsByKey ? lazyInputs(parse(inputsJson)) : parse(inputsJson);
  const params = parse(paramsJson);

  // A JSON.stringify replacer, called with each holder as `this`, after toJSON. Plain values
  // pass here; anything else is for the checker to judge.
  const FOUND_PROBLEM = {};
  function checkQuickly(_key, item) {
    const type = typeof item;
    if (type === 'string' || type === 'boolean' || type === 'undefined' || item === null) {
      return item;
    }
    if (type === 'number' && item - item === 0) return item;
    if (type === 'object') {
      const prototype = getPrototypeOf(item);
      if (prototype === ObjectPrototype || prototype === ArrayPrototype || prototype === null) {
        return item;
      }
    }
    if (helper('checker').notJson(item) === null) return item;
    throw FOUND_PROBLEM;
  }

  /** The JSON text of the return value; anything JSON would silently drop or mangle fails loudly. */
  function serialize(value) {
    let json;
    try {
      json = stringify(value, checkQuickly);
    } catch (error) {
      // Out of memory or stack: there may be no room to compile the checker.
      if (error instanceof NativeInternalError) throw error;
      helper('checker').rejectOutput(value, error, error === FOUND_PROBLEM);
    }
    return json === undefined ? 'null' : json;
  }

  const invoke = (userFunction) => userFunction(inputs, params, log);
  return { invoke, serialize };
}

/** Compiled on the first log call that needs it: util.format and a small util.inspect. */
function sandboxLogFormatter(captured) {
  const {
    getOwnPropertyDescriptor,
    ownKeys,
    sameValue,
    isArray,
    isView,
    stringify,
    toNumber,
    toText,
    isNaNNumber,
    trunc,
    functionSource,
    NativeError,
    NativePromise,
    NativeMap,
    NativeSet,
    NativeDate,
    NativeRegExp,
    constructorName,
  } = captured;
  const MAX_DEPTH = 2;
  const MAX_ENTRIES = 100;
  const MAX_NESTED_STRING = 10000;
  const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

  const quote = (text) => {
    const shown = text.length > MAX_NESTED_STRING ? `${text.slice(0, MAX_NESTED_STRING)}...` : text;
    return `'${shown.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
  };
  const propertyName = (key) => (IDENTIFIER.test(key) ? key : quote(key));
  const listed = (open, items, close, total) => {
    const more = total > items.length ? [`... ${total - items.length} more items`] : [];
    const all = items.concat(more);
    return all.length === 0 ? `${open}${close}` : `${open} ${all.join(', ')} ${close}`;
  };

  // A small util.inspect: what console.log would print, on one line.
  function inspect(value, level, seen) {
    switch (typeof value) {
      case 'string':
        return level === 0 ? value : quote(value);
      case 'number':
        return sameValue(value, -0) ? '-0' : toText(value);
      case 'bigint':
        return `${value}n`;
      case 'symbol':
      case 'boolean':
      case 'undefined':
        return toText(value);
      case 'function': {
        const source = functionSource(value);
        if (source.startsWith('class')) return `[class ${value.name || '(anonymous)'}]`;
        return value.name ? `[Function: ${value.name}]` : '[Function (anonymous)]';
      }
    }
    if (value === null) return 'null';
    if (seen.includes(value)) return '[Circular]';
    if (value instanceof NativeError) {
      const header = `${value.name}: ${value.message}`;
      if (level > 0) return `[${header}]`;
      return typeof value.stack === 'string' && value.stack ? `${header}\n${value.stack}` : header;
    }
    if (value instanceof NativeDate) {
      return isNaNNumber(value.getTime()) ? 'Invalid Date' : value.toISOString();
    }
    if (value instanceof NativeRegExp) return toText(value);
    if (value instanceof NativePromise) return 'Promise {}';
    const name = constructorName(value);
    if (level > MAX_DEPTH) return isArray(value) ? '[Array]' : `[${name || 'Object'}]`;
    const inner = seen.concat([value]);
    const show = (item) => inspect(item, level + 1, inner);
    if (isArray(value) || isView(value)) {
      const items = [];
      for (let i = 0; i < value.length && i < MAX_ENTRIES; i++) items.push(show(value[i]));
      const prefix = isArray(value) ? '' : `${name}(${value.length}) `;
      return prefix + listed('[', items, ']', value.length);
    }
    if (value instanceof NativeMap || value instanceof NativeSet) {
      const items = [];
      for (const entry of value) {
        if (items.length >= MAX_ENTRIES) break;
        items.push(
          value instanceof NativeMap ? `${show(entry[0])} => ${show(entry[1])}` : show(entry),
        );
      }
      return `${name}(${value.size}) ${listed('{', items, '}', value.size)}`;
    }
    const keys = ownKeys(value);
    const items = [];
    for (const key of keys.slice(0, MAX_ENTRIES)) {
      const descriptor = getOwnPropertyDescriptor(value, key);
      let shown;
      if (descriptor && (descriptor.get || descriptor.set)) {
        shown =
          descriptor.get && descriptor.set
            ? '[Getter/Setter]'
            : descriptor.get
              ? '[Getter]'
              : '[Setter]';
      } else {
        shown = show(descriptor ? descriptor.value : undefined);
      }
      items.push(`${propertyName(key)}: ${shown}`);
    }
    const prefix =
      name === null ? '[Object: null prototype] ' : name && name !== 'Object' ? `${name} ` : '';
    return prefix + listed('{', items, '}', keys.length);
  }

  // util.format: printf-style specifiers in a leading string, the rest joined by spaces.
  function formatLogArguments(args) {
    let next = 0;
    let text = '';
    if (typeof args[0] === 'string' && args.length > 1) {
      next = 1;
      text = args[0].replace(/%([sdifjoOc%])/g, (match, specifier) => {
        if (specifier === '%') return '%';
        if (next >= args.length) return match;
        const arg = args[next++];
        switch (specifier) {
          case 's':
            return typeof arg === 'string' ? arg : inspect(arg, 1, []);
          case 'd':
          case 'i':
          case 'f': {
            if (typeof arg === 'bigint') return `${arg}n`;
            if (typeof arg === 'symbol') return 'NaN';
            const number = toNumber(arg);
            return toText(specifier === 'i' ? trunc(number) : number);
          }
          case 'j':
            try {
              return toText(stringify(arg));
            } catch {
              return '[Circular]';
            }
          case 'c':
            return '';
          default:
            return inspect(arg, 1, []);
        }
      });
    }
    const rest = args.slice(next).map((arg) => inspect(arg, 0, []));
    return next === 0 ? rest.join(' ') : [text].concat(rest).join(' ');
  }

  return formatLogArguments;
}

/**
 * Compiled when the return value holds anything but plain objects, arrays and primitives:
 * says whether a value can be JSON, and which path of the output cannot.
 */
function sandboxOutputChecker(captured) {
  const {
    stringify,
    getPrototypeOf,
    isArray,
    isView,
    isFiniteNumber,
    toText,
    NativeError,
    NativeInternalError,
    NativePromise,
    NativeMap,
    NativeSet,
    NativeWeakMap,
    NativeWeakSet,
    NativeArrayBuffer,
    NativeRegExp,
    ObjectPrototype,
    ArrayPrototype,
    constructorName,
  } = captured;
  const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

  class SandboxOutputError extends NativeError {}
  SandboxOutputError.prototype.name = 'SandboxOutputError';

  const notJson = (value) => {
    switch (typeof value) {
      case 'function':
        return 'is a function';
      case 'symbol':
        return 'is a symbol';
      case 'bigint':
        return 'is a BigInt (convert it with String() or Number())';
      case 'number':
        return isFiniteNumber(value) ? null : `is ${value}, which JSON cannot represent`;
      case 'object': {
        if (value === null) return null;
        const prototype = getPrototypeOf(value);
        if (prototype === ObjectPrototype || prototype === ArrayPrototype || prototype === null) {
          return null;
        }
        if (value instanceof NativePromise) return 'is a Promise (is an `await` missing?)';
        if (value instanceof NativeMap) return 'is a Map (convert it with Object.fromEntries())';
        if (value instanceof NativeSet) return 'is a Set (convert it with Array.from())';
        if (value instanceof NativeWeakMap || value instanceof NativeWeakSet) {
          return `is a ${constructorName(value)}`;
        }
        if (value instanceof NativeArrayBuffer || isView(value)) {
          return 'is binary data (convert it with Array.from())';
        }
        if (value instanceof NativeError) return 'is an Error (return its message instead)';
        if (value instanceof NativeRegExp) return 'is a RegExp (return its source instead)';
        return null;
      }
      default:
        return null;
    }
  };

  /** Serialises again, slowly, noting where each object sits, to name the offending path. */
  function explainProblem(value) {
    // Object met -> { parent, key, index } (null for the value itself).
    const places = new NativeMap();
    const spell = (place) => {
      let path = '';
      for (let at = place; at; at = at.parent) {
        const key = at.key;
        const step = at.index
          ? `[${key}]`
          : IDENTIFIER.test(key)
            ? `.${key}`
            : `[${stringify(key)}]`;
        path = step + path;
      }
      return `output${path}`;
    };
    stringify(value, function checkWithPath(key, item) {
      const parent = places.get(this);
      const place = parent === undefined ? null : { parent, key, index: isArray(this) };
      const problem = notJson(item);
      if (problem) {
        throw new SandboxOutputError(
          `The return value is not JSON-serialisable: ${spell(place)} ${problem}`,
        );
      }
      if (typeof item === 'object' && item !== null) places.set(item, place);
      return item;
    });
    throw new SandboxOutputError('The return value is not JSON-serialisable');
  }

  /** Throws the error that fails the execution, given what serialising the value threw. */
  function rejectOutput(value, error, foundProblem) {
    try {
      if (foundProblem) explainProblem(value);
      throw error;
    } catch (problem) {
      if (problem instanceof SandboxOutputError || problem instanceof NativeInternalError) {
        throw problem;
      }
      const reason = problem instanceof NativeError ? problem.message : toText(problem);
      throw new SandboxOutputError(`The return value is not JSON-serialisable: ${reason}`);
    }
  }

  return { notJson, rejectOutput };
}

/**
 * A function that runs inside QuickJS, as a script whose completion value is that function. Not
 * `(function …)`: at a `(` QuickJS scans ahead to the matching `)` to tell an arrow function from
 * an expression, so a parenthesised prelude is read twice (about 10% of a no-op execution's
 * instructions). Dropping comments and indentation, measured in the host, did not pay off.
 */
const sandboxScript = (fn) => `0,${fn.toString()}`;

/** Sources of the helpers the prelude compiles on first use, by the name it asks for. */
const HELPER_SOURCES = new Map([
  ['formatter', sandboxScript(sandboxLogFormatter)],
  ['checker', sandboxScript(sandboxOutputChecker)],
]);
const PRELUDE_SOURCE = sandboxScript(sandboxPrelude);
const MAX_STACK_LINES = 25;

/** Where the prepared context's `emit` delivers logs: the running execution's sink. */
let deliverLog = () => {};

const sendToPool = (message) => process.send(message);

/** Posts logs for one execution, keeping at most MAX_LOG_LINES lines and MAX_LOG_BYTES. */
function createLogSink(id, post) {
  let lines = 0;
  let bytes = 0;
  let truncated = false;
  const send = (level, message) => {
    post({ type: 'log', id, level, message, at: new Date().toISOString() });
  };
  return (level, message) => {
    if (truncated) return;
    if (!LOG_LEVELS.includes(level)) return;
    const size = Buffer.byteLength(message);
    if (lines < MAX_LOG_LINES && bytes + size <= MAX_LOG_BYTES) {
      lines += 1;
      bytes += size;
      send(level, message);
      return;
    }
    truncated = true;
    const room = MAX_LOG_BYTES - bytes;
    if (lines < MAX_LOG_LINES && room > 0) {
      const cut = Buffer.from(message)
        .subarray(0, room)
        .toString()
        .replace(/\uFFFD+$/, '');
      send(level, `${cut}…`);
    }
    send(
      'warn',
      `Logs truncated: an execution keeps at most ${MAX_LOG_LINES} lines and ${MAX_LOG_BYTES / 1024} KiB of logs.`,
    );
  };
}

const mebibytes = (bytes) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

/** The first lines of a stack; a runaway recursion would otherwise send thousands. */
function shortenStack(stack) {
  const lines = stack.trimEnd().split('\n');
  if (lines.length <= MAX_STACK_LINES) return lines.join('\n');
  const more = lines.length - MAX_STACK_LINES;
  return [...lines.slice(0, MAX_STACK_LINES), `    ... ${more} more frames`].join('\n');
}

/** A thrown QuickJS value as { name, message, stack }, whatever was thrown. */
function describeThrown(context, handle) {
  let dumped;
  try {
    dumped = context.dump(handle);
  } catch {
    return { name: 'Error', message: 'an error that could not be read', stack: undefined };
  }
  if (dumped !== null && typeof dumped === 'object' && typeof dumped.message === 'string') {
    return {
      name: typeof dumped.name === 'string' ? dumped.name : 'Error',
      message: dumped.message,
      stack: typeof dumped.stack === 'string' ? shortenStack(dumped.stack) : undefined,
    };
  }
  let message;
  try {
    message = typeof dumped === 'string' ? dumped : (JSON.stringify(dumped) ?? String(dumped));
  } catch {
    message = String(dumped);
  }
  return { name: undefined, message, stack: undefined, isNull: dumped === null };
}

/**
 * A fresh QuickJS runtime and context with the prelude compiled, made while the host is idle:
 * with making the context, compiling the prelude is most of the cost of an execution. No user
 * code has touched it.
 */
function prepareSandbox() {
  const runtime = quickjs.newRuntime();
  const context = runtime.newContext();
  const handles = [];
  const prelude = context.unwrapResult(context.evalCode(PRELUDE_SOURCE, PRELUDE_FILENAME));
  handles.push(prelude);
  const emit = context.newFunction('emit', (levelHandle, messageHandle) => {
    deliverLog(context.getString(levelHandle), context.getString(messageHandle));
  });
  handles.push(emit);
  // Compiles a helper into this context for the prelude, once, when it first needs it.
  const loadHelper = context.newFunction('loadHelper', (nameHandle) => {
    const source = HELPER_SOURCES.get(context.getString(nameHandle));
    if (source === undefined) throw new Error('The sandbox prelude asked for an unknown helper');
    return context.evalCode(source, PRELUDE_FILENAME);
  });
  handles.push(loadHelper);
  // The text of an input the host holds, for the prelude's lazy inputs, when code first reads it.
  const inputText = context.newFunction('inputText', (idHandle) => {
    const text = heldTexts.get(context.getNumber(idHandle));
    if (text === undefined)
      throw new Error('The sandbox prelude asked for an input it was not given');
    return context.newString(text);
  });
  handles.push(inputText);
  return { runtime, context, handles, prelude, emit, loadHelper, inputText };
}

function releaseSandbox(sandbox) {
  for (const handle of sandbox.handles) if (handle.alive) handle.dispose();
  sandbox.context.dispose();
  sandbox.runtime.dispose();
}

/**
 * Runs one execution to completion, synchronously: the host does nothing else meanwhile.
 * Returns the result message and whether the WebAssembly module can still be trusted.
 */
function runExecution(request, sandbox, post = sendToPool) {
  const started = performance.now();
  const deadline = Date.now() + request.timeoutMs;
  const { runtime, context, handles } = sandbox;
  let timedOut = false;
  let poisoned = false;
  const keep = (handle) => {
    handles.push(handle);
    return handle;
  };
  const failure = (kind, message, userStack) => ({ ok: false, kind, message, userStack });
  const timeoutFailure = () =>
    failure('timeout', `Execution timed out after ${request.timeoutMs} ms`);
  const memoryFailure = () =>
    failure('memory', `Execution ran out of memory (limit ${mebibytes(request.memoryLimitBytes)})`);

  /** Maps a thrown QuickJS value to a failure; `phase` tells where it was thrown. */
  const classify = (handle, phase) => {
    if (timedOut) return timeoutFailure();
    const thrown = describeThrown(context, handle);
    if (thrown.name === 'InternalError' && thrown.message === 'out of memory') {
      return memoryFailure();
    }
    if (thrown.isNull) {
      // QuickJS throws null when memory runs out so exactly that not even its error fits;
      // a deliberate `throw null` looks the same, and is far rarer.
      const { message } = memoryFailure();
      return failure('memory', `${message}, or the code threw null`);
    }
    if (phase === 'compile' && thrown.name === 'SyntaxError') {
      return failure('syntax', `SyntaxError: ${thrown.message}`, thrown.stack);
    }
    if (phase === 'serialize' && thrown.name === 'SandboxOutputError') {
      return failure('output', thrown.message);
    }
    if (phase === 'setup') {
      return failure('error', `The sandbox could not prepare the inputs: ${thrown.message}`);
    }
    const message =
      thrown.message === 'stack overflow'
        ? 'Maximum call stack size exceeded (stack overflow)'
        : thrown.message;
    const header = thrown.name ? `${thrown.name}: ${thrown.message}` : undefined;
    const userStack = header && thrown.stack ? `${header}\n${thrown.stack}` : header;
    return failure('error', message, userStack);
  };

  let outcome;
  try {
    runtime.setMemoryLimit(request.memoryLimitBytes);
    runtime.setMaxStackSize(request.maxStackBytes);
    runtime.setInterruptHandler(() => {
      if (!timedOut && Date.now() >= deadline) timedOut = true;
      return timedOut;
    });
    deliverLog = createLogSink(request.id, post);
    outcome = (() => {
      const inputsJson = keep(context.newString(request.inputsJson));
      const paramsJson = keep(context.newString(request.paramsJson));
      const api = context.callFunction(
        sandbox.prelude,
        context.undefined,
        sandbox.emit,
        sandbox.loadHelper,
        sandbox.inputText,
        inputsJson,
        request.inputsByKey ? context.true : context.false,
        paramsJson,
      );
      if (api.error) return classify(keep(api.error), 'setup');
      keep(api.value);
      const invoke = keep(context.getProp(api.value, 'invoke'));
      const serialize = keep(context.getProp(api.value, 'serialize'));

      const compiled = context.evalCode(request.code, request.filename);
      if (compiled.error) return classify(keep(compiled.error), 'compile');
      const call = context.callFunction(invoke, context.undefined, keep(compiled.value));
      if (call.error) return classify(keep(call.error), 'run');
      const promise = keep(call.value);

      // No timers or I/O exist in the sandbox, so once no job is pending the promise can
      // only stay pending forever.
      let state = context.getPromiseState(promise);
      while (state.type === 'pending') {
        const jobs = runtime.executePendingJobs();
        if (jobs.error) return classify(keep(jobs.error), 'run');
        state = context.getPromiseState(promise);
        if (state.type === 'pending' && jobs.value === 0) {
          return failure(
            'error',
            'The code awaited a promise that never settles (the sandbox has no timers, network or I/O to settle it)',
          );
        }
      }
      if (state.type === 'rejected') return classify(keep(state.error), 'run');
      const serialized = context.callFunction(serialize, context.undefined, keep(state.value));
      if (serialized.error) return classify(keep(serialized.error), 'serialize');
      const outputJson = context.getString(keep(serialized.value));
      const outputBytes = Buffer.byteLength(outputJson);
      if (outputBytes > request.maxOutputBytes) {
        return failure(
          'output',
          `The return value is ${mebibytes(outputBytes)} as JSON; the limit is ${mebibytes(request.maxOutputBytes)}`,
        );
      }
      return { ok: true, outputJson };
    })();
  } catch (error) {
    // An exception from the engine itself, not a value thrown by user code: V8's own stack
    // ran out inside WebAssembly, or the module aborted. Its memory may be inconsistent, so
    // this host reports and exits, and the pool starts a fresh one.
    poisoned = true;
    if (timedOut) outcome = timeoutFailure();
    else if (error instanceof RangeError && /call stack/i.test(error.message)) {
      outcome = failure('error', 'Maximum call stack size exceeded (stack overflow)');
    } else {
      outcome = failure('crashed', `The sandbox engine failed: ${error?.message ?? error}`);
    }
  } finally {
    deliverLog = () => {};
  }
  const result = {
    type: 'result',
    id: request.id,
    durationMs: performance.now() - started,
    ...outcome,
  };
  return { result, poisoned };
}

/** Runs enough executions for V8 to compile the hot WebAssembly before real work arrives. */
function warmUp() {
  const request = {
    id: 0,
    code: '(async function (inputs, params, log) { log.info("warm", inputs, [1, { a: 2 }]); return { n: [1, "x", null] }; })',
    filename: 'warm-up.js',
    // `c` is a text the host holds, as a for-each's list is.
    inputsJson: JSON.stringify({ a: '{"b":[1,2,3]}', c: 0 }),
    inputsByKey: true,
    paramsJson: '{}',
    timeoutMs: 5000,
    memoryLimitBytes: 16 * 1024 * 1024,
    maxStackBytes: 256 * 1024,
    maxOutputBytes: 1024,
  };
  heldTexts.set(0, '[4,5]');
  for (let round = 0; round < 10; round++) {
    const sandbox = prepareSandbox();
    runExecution(request, sandbox, () => {});
    releaseSandbox(sandbox);
  }
  heldTexts.delete(0);
}

/** xorshift64*'s state step, as QuickJS advances Math.random's seed. */
function nextRandomState(state) {
  let x = state;
  x ^= x >> 12n;
  x ^= (x << 25n) & 0xffffffffffffffffn;
  x ^= x >> 27n;
  return x;
}

/**
 * Where the context keeps Math.random's state: the one 8-byte word that calling Math.random
 * moves by exactly one xorshift64* step. Undefined if there is no such single word.
 */
function findRandomState(memory, context) {
  // The context was made before this: its seed lies below the memory in use now.
  const before = new Uint8Array(memory.buffer, 0, usedBytes(memory)).slice();
  context.evalCode('Math.random()', PRELUDE_FILENAME, { type: 'global' }).dispose();
  const now = new DataView(memory.buffer);
  const then = new DataView(before.buffer);
  const found = [];
  for (let offset = 0; offset + 8 <= before.length; offset += 8) {
    const low = then.getUint32(offset, true);
    const high = then.getUint32(offset + 4, true);
    if (low === now.getUint32(offset, true) && high === now.getUint32(offset + 4, true)) continue;
    if (nextRandomState(then.getBigUint64(offset, true)) === now.getBigUint64(offset, true)) {
      found.push(offset);
    }
  }
  return found.length === 1 ? found[0] : undefined;
}

/**
 * Bytes of memory in use: everything above is zero, never written since the module started.
 * Memory the allocator has handed out ends below its free top chunk, whose header is not zero.
 */
function usedBytes(memory) {
  const words = new Uint32Array(memory.buffer);
  let end = words.length;
  while (end > 0 && words[end - 1] === 0) end--;
  return end * 4;
}

/**
 * The C stack's unused region, [start, end) in bytes, measured before the engine did any work:
 * the one long run of zero bytes between the static data and the heap (5 MiB of the 5.3 MiB in
 * use). Between calls into the engine the whole stack is dead, so the image leaves it out.
 */
function findStackGap(memory) {
  const words = new Uint32Array(memory.buffer, 0, usedBytes(memory) / 4);
  let best = { start: 0, end: 0 };
  for (let i = 0; i < words.length; i++) {
    if (words[i] !== 0) continue;
    let j = i;
    while (j < words.length && words[j] === 0) j++;
    if (j - i > best.end - best.start) best = { start: i, end: j };
    i = j;
  }
  return best.end - best.start >= (1 << 20) / 4
    ? { start: best.start * 4, end: best.end * 4 }
    : undefined;
}

/**
 * A prepared sandbox that each execution gets in the state it had before any user code ran,
 * by copying back an image of the WebAssembly memory taken then: the engine's whole state (its
 * runtime, context, heap, allocator) lives in that memory, so after the copy it is bit for bit
 * the runtime that was prepared, and nothing an execution did survives. Copying the image costs
 * a fraction of making a runtime and context and compiling the prelude, and freeing them.
 * The copy would also restore Math.random's seed, so each execution gets a fresh random one;
 * and the JavaScript wrappers' lazily made handles are reset with it (`jsState`).
 * Undefined if the seed cannot be found: then each execution makes its own runtime.
 */
function createRestorableSandbox() {
  const memory = quickjs.getWasmMemory();
  const sandbox = prepareSandbox();
  const { runtime, context } = sandbox;
  // Everything an execution sets up must already be in the image: the interrupt handler is
  // enabled once here (executions swap the JavaScript callback), and the wrappers' cached
  // handles of the constants exist before the image is taken.
  runtime.setInterruptHandler(() => false);
  for (const constant of [context.undefined, context.null, context.true, context.false]) {
    if (!constant.alive) return undefined;
  }
  const randomState = findRandomState(memory, context);
  if (randomState === undefined) return undefined;
  const used = usedBytes(memory);
  const gap = stackGap ?? { start: used, end: used };
  const below = new Uint8Array(memory.buffer, 0, gap.start).slice();
  const above = new Uint8Array(memory.buffer, gap.end, used - gap.end).slice();
  const jsState = [context, runtime].map((object) => [object, { ...object }]);
  const handlesInImage = sandbox.handles.length;
  // Drawn 256 at a time: one getRandomValues call per execution cost 2-3% of its host CPU.
  const seeds = new BigUint64Array(256);
  let nextSeed = seeds.length;
  sandbox.restore = () => {
    const bytes = new Uint8Array(memory.buffer);
    bytes.set(below, 0);
    bytes.set(above, gap.end);
    if (nextSeed === seeds.length) {
      crypto.getRandomValues(seeds);
      nextSeed = 0;
    }
    new DataView(memory.buffer).setBigUint64(randomState, seeds[nextSeed++] || 1n, true);
    for (const [object, fields] of jsState) {
      for (const key of Object.keys(object)) if (!(key in fields)) delete object[key];
      Object.assign(object, fields);
    }
    // Handles made by the execution point into memory the image replaced: forget, never free.
    sandbox.handles.length = handlesInImage;
  };
  return sandbox;
}

/**
 * Large inputs shared by many executions (a for-each's list, given to each of its items),
 * by the pool's id: the pool sends each text once, says which to forget, and knows what
 * this host holds, so a request names them instead of carrying them.
 */
const heldTexts = new Map();

function holdTexts({ dropTexts = [], keepTexts = [] }) {
  for (const id of dropTexts) heldTexts.delete(id);
  for (const { id, text } of keepTexts) heldTexts.set(id, text);
}

const stackGap = findStackGap(quickjs.getWasmMemory());
warmUp();
const restorable = createRestorableSandbox();

/** A sandbox no user code has touched: the restorable one restored, or a fresh runtime. */
function nextSandbox() {
  if (!restorable) return prepareSandbox();
  restorable.restore();
  return restorable;
}

let prepared = nextSandbox();
/** Sandboxes of finished executions, released once their results are on their way. */
const finished = [];

/** Work for idle moments; a failure here means the WebAssembly module cannot be trusted. */
function tidyUp() {
  try {
    for (const sandbox of finished.splice(0)) releaseSandbox(sandbox);
    prepared ??= nextSandbox();
  } catch {
    process.exit(1);
  }
}

process.on('message', (message) => {
  if (message?.type !== 'run') return;
  holdTexts(message);
  // Prepared while idle, unless this request arrived first.
  const sandbox = prepared ?? nextSandbox();
  prepared = null;
  const { result, poisoned } = runExecution(message, sandbox);
  if (sandbox !== restorable) finished.push(sandbox);
  // A poisoned host says so with its result (`retiring`), so the pool sends
  // it no more work before it exits.
  process.send(poisoned ? { ...result, retiring: true } : result, () => {
    if (poisoned) process.exit(1);
  });
  if (!poisoned) setImmediate(tidyUp);
});
// The pool is gone (or let this host go): nothing is left to do.
process.on('disconnect', () => process.exit(0));
process.send({ type: 'ready' });
