import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FlowDocument } from './document';
import { upstreamOf } from './planning';
import {
  resolveTemplates,
  TemplateError,
  type TemplateScope,
  templateErrors,
  templateReferences,
  validateTemplateReferences,
} from './template';

const scope: TemplateScope = {
  params: { reportUrl: 'https://example.com/r', limit: 3, verbose: false, empty: null },
  nodes: {
    list: { output: { files: [{ name: 'a.csv', size: 10 }], count: 1, tags: ['x', 'y'] } },
    'fetch-2': { output: [1, 2, 3] },
    quiet: { output: 'done' },
  },
  vars: { region: 'eu' },
};

function errorOf(value: unknown, s: TemplateScope = scope): TemplateError {
  try {
    resolveTemplates(value, s);
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected TemplateError, got ${String(err)}`);
    return err;
  }
  assert.fail(`${JSON.stringify(value)} resolved without error`);
}

describe('resolveTemplates', () => {
  test('a string that is one template keeps the value and its type', () => {
    assert.deepEqual(resolveTemplates('{{ nodes.fetch-2.output }}', scope), [1, 2, 3]);
    assert.equal(resolveTemplates('{{params.limit}}', scope), 3);
    assert.equal(resolveTemplates('  {{ params.verbose }}\n', scope), false);
    assert.equal(resolveTemplates('{{ params.empty }}', scope), null);
    assert.deepEqual(resolveTemplates('{{ nodes.list.output.files[0] }}', scope), {
      name: 'a.csv',
      size: 10,
    });
  });

  test('templates inside text are interpolated by type', () => {
    assert.equal(
      resolveTemplates(
        '{{ params.reportUrl }}?n={{ params.limit }}&v={{ params.verbose }}&e={{ params.empty }}',
        scope,
      ),
      'https://example.com/r?n=3&v=false&e=null',
    );
    assert.equal(
      resolveTemplates(
        'files: {{ nodes.list.output.tags }} {{ nodes.list.output.files[0] }}',
        scope,
      ),
      'files: ["x","y"] {"name":"a.csv","size":10}',
    );
  });

  test('paths index with [n], ["key"], [\'key\'] and dotted digits', () => {
    assert.equal(resolveTemplates('{{ nodes.list.output.files[0].name }}', scope), 'a.csv');
    assert.equal(resolveTemplates('{{ nodes["list"].output["files"][0][\'size\'] }}', scope), 10);
    assert.equal(resolveTemplates('{{ nodes.fetch-2.output.2 }}', scope), 3);
    assert.equal(
      resolveTemplates('{{ vars["odd \\"key\\""] }}', { ...scope, vars: { 'odd "key"': 7 } }),
      7,
    );
  });

  test('walks objects and arrays, resolving values but not keys, without changing the input', () => {
    const config = {
      url: '{{ params.reportUrl }}',
      body: { items: ['{{ nodes.quiet.output }}', 5, true, null], '{{ params.limit }}': 'k' },
    };
    const before = structuredClone(config);
    assert.deepEqual(resolveTemplates(config, scope), {
      url: 'https://example.com/r',
      body: { items: ['done', 5, true, null], '{{ params.limit }}': 'k' },
    });
    assert.deepEqual(config, before);
  });

  test('text without templates, and unclosed braces, are left alone', () => {
    assert.equal(resolveTemplates('return { a: { b: 1 }};', scope), 'return { a: { b: 1 }};');
    assert.equal(resolveTemplates('{{ not closed', scope), '{{ not closed');
  });

  test('a resolved value is not scanned for templates again', () => {
    const s = { ...scope, params: { evil: '{{ secrets.db }}' }, secrets: { db: 'hunter2' } };
    assert.equal(resolveTemplates('{{ params.evil }}', s), '{{ secrets.db }}');
    assert.equal(resolveTemplates('x {{ params.evil }}', s), 'x {{ secrets.db }}');
  });

  test('vars, secrets, item and index resolve from the scope', () => {
    const s: TemplateScope = {
      ...scope,
      secrets: { db: 'postgres://u:p@h/db' },
      item: { path: '/in/a.csv' },
      index: 4,
    };
    assert.equal(resolveTemplates('{{ vars.region }}', s), 'eu');
    assert.equal(resolveTemplates('{{ secrets.db }}', s), 'postgres://u:p@h/db');
    assert.equal(resolveTemplates('{{ item.path }}#{{ index }}', s), '/in/a.csv#4');
    assert.equal(resolveTemplates('{{ index }}', s), 4);
    assert.deepEqual(resolveTemplates('{{ item }}', s), { path: '/in/a.csv' });
    assert.equal(resolveTemplates('{{ index }}', { ...s, index: 0 }), 0);
  });

  test('a missing value names the template and what is missing', () => {
    const cases: [string, string, TemplateScope?][] = [
      [
        '{{ nodes.list.output.count2 }}',
        '{{ nodes.list.output.count2 }}: the output of node "list" has no field "count2"',
      ],
      [
        '{{ nodes.ghost.output }}',
        '{{ nodes.ghost.output }}: node "ghost" has no output here (it is not upstream of this node, or it has not completed)',
      ],
      ['{{ params.x }}', '{{ params.x }}: no parameter "x"'],
      ['{{ vars.x }}', '{{ vars.x }}: no variable "x"'],
      ['{{ vars.x }}', '{{ vars.x }}: no variable "x"', { params: {}, nodes: {} }],
      [
        '{{ secrets.db }}',
        '{{ secrets.db }}: secrets are not available in this version of Pipewright',
      ],
      ['{{ secrets.db }}', '{{ secrets.db }}: no secret "db"', { ...scope, secrets: {} }],
      ['{{ item }}', '{{ item }}: item is only available inside a for-each task'],
      ['{{ index }}', '{{ index }}: index is only available inside a for-each task'],
      [
        '{{ nodes.list.output.files[0].owner }}',
        '{{ nodes.list.output.files[0].owner }}: nodes.list.output.files[0] has no field "owner"',
      ],
      [
        '{{ nodes.list.output.files[3] }}',
        '{{ nodes.list.output.files[3] }}: nodes.list.output.files has no item [3] (it has 1 item)',
      ],
      [
        '{{ nodes.fetch-2.output.first }}',
        '{{ nodes.fetch-2.output.first }}: the output of node "fetch-2" is an array, not an object; pick an item with [0]',
      ],
    ];
    for (const [template, message, s] of cases) {
      const err = errorOf(`prefix ${template}`, s);
      assert.equal(err.message, message);
      assert.equal(err.reference, template);
    }
  });

  test('indexing into a value that is not an object says what it is', () => {
    assert.equal(
      errorOf('{{ nodes.list.output.count.value }}').message,
      '{{ nodes.list.output.count.value }}: nodes.list.output.count is a number, not an object',
    );
    assert.equal(
      errorOf('{{ params.empty.x }}').message,
      '{{ params.empty.x }}: parameter "empty" is null, not an object',
    );
    assert.equal(
      errorOf('{{ nodes.quiet.output[0] }}').message,
      '{{ nodes.quiet.output[0] }}: the output of node "quiet" is a string, not an object',
    );
    assert.equal(
      errorOf('{{ index.x }}', { ...scope, index: 1 }).message,
      '{{ index.x }}: index is a number, not an object',
    );
  });

  test('only own fields are readable, never the prototype', () => {
    assert.equal(
      errorOf('{{ params.constructor }}').message,
      '{{ params.constructor }}: no parameter "constructor"',
    );
    assert.equal(
      errorOf('{{ nodes.list.output.__proto__ }}').message,
      '{{ nodes.list.output.__proto__ }}: the output of node "list" has no field "__proto__"',
    );
    assert.match(
      errorOf('{{ nodes.constructor.output }}').message,
      /node "constructor" has no output/,
    );
  });

  test('nodes.X only offers .output', () => {
    assert.equal(
      errorOf('{{ nodes.list }}').message,
      'invalid template "{{ nodes.list }}": use nodes.list.output to read what node "list" returned',
    );
    assert.equal(
      errorOf('{{ nodes.list.result }}').message,
      'invalid template "{{ nodes.list.result }}": node "list" has no field "result"; the only field is output (nodes.list.output)',
    );
    assert.match(errorOf('{{ nodes }}').message, /name a node, as in nodes\.<id>\.output/);
  });

  test('the whole secret map is never handed out', () => {
    const err = errorOf('{{ secrets }}', { ...scope, secrets: { db: 'x' } });
    assert.match(err.message, /^invalid template "\{\{ secrets \}\}": name a secret/);
  });

  test('anything but a path is refused: no operators, no calls, no unknown names', () => {
    const cases: [string, RegExp][] = [
      [
        '{{ x + 1 }}',
        /^invalid template "\{\{ x \+ 1 \}\}": "x" is not something a template can read/,
      ],
      [
        '{{ params.limit + 1 }}',
        /^invalid template "\{\{ params\.limit \+ 1 \}\}": unexpected "\+ 1"/,
      ],
      ['{{ params.x.toString() }}', /function calls are not allowed/],
      ['{{ process.env.HOME }}', /"process" is not something a template can read/],
      ['{{ 1 + 1 }}', /"1 \+ 1" is not something a template can read/],
      ['{{ }}', /it is empty/],
      ['{{ params. }}', /expected a field name after "\."/],
      ['{{ params[x] }}', /expected \[0\] or \["field"\]/],
    ];
    for (const [template, pattern] of cases) {
      const err = errorOf({ deep: [template] });
      assert.match(err.message, pattern);
      assert.equal(err.reference, template);
    }
  });
});

describe('templateReferences', () => {
  test('lists every well-formed reference, in order, with its path', () => {
    const config = {
      url: '{{ params.reportUrl }}/{{ nodes.list.output.files[0]["name"] }}',
      list: ['{{ item.path }}', { n: '{{index}}' }],
      bad: '{{ x + 1 }}',
      again: '{{ params.reportUrl }}',
    };
    assert.deepEqual(templateReferences(config), [
      { root: 'params', path: ['reportUrl'], text: '{{ params.reportUrl }}' },
      {
        root: 'nodes',
        path: ['list', 'output', 'files', 0, 'name'],
        text: '{{ nodes.list.output.files[0]["name"] }}',
      },
      { root: 'item', path: ['path'], text: '{{ item.path }}' },
      { root: 'index', path: [], text: '{{index}}' },
      { root: 'params', path: ['reportUrl'], text: '{{ params.reportUrl }}' },
    ]);
    assert.deepEqual(
      templateErrors(config).map((e) => e.reference),
      ['{{ x + 1 }}'],
    );
  });

  test('finds nothing in values without templates', () => {
    assert.deepEqual(templateReferences({ a: 1, b: ['plain'], c: null }), []);
  });
});

describe('validateTemplateReferences', () => {
  const doc: FlowDocument = {
    version: 1,
    name: 'refs',
    params: { reportUrl: { type: 'string' } },
    nodes: [
      { id: 'list', type: 'code', config: { source: 'return 1' } },
      { id: 'side', type: 'code', config: { source: 'return 2' } },
      {
        id: 'post',
        type: 'http',
        config: {
          url: '{{ params.reportUrl }}',
          body: { a: '{{ nodes.list.output }}', b: '{{ nodes.side.output }}' },
          headers: { x: '{{ params.token }}', y: '{{ params.token }}' },
        },
      },
      {
        id: 'last',
        type: 'code',
        config: { source: '{{ nodes.last.output }} {{ nodes.ghost.output }}' },
      },
      { id: 'broken', type: 'code', config: { source: '{{ nodes.list }}' } },
    ],
    edges: [
      { source: 'list', target: 'post' },
      { source: 'post', target: 'last' },
    ],
  };
  const upstream = (id: string) => new Set(upstreamOf(doc, id));

  test('reports non-upstream nodes, unknown params and malformed templates by node', () => {
    assert.deepEqual(validateTemplateReferences(doc, upstream), [
      { nodeId: 'post', message: 'config references node "side", which is not upstream of "post"' },
      {
        nodeId: 'post',
        message: 'config references parameter "token", which the flow does not define',
      },
      { nodeId: 'last', message: 'config references node "last", which is not upstream of "last"' },
      { nodeId: 'last', message: 'config references node "ghost", which is not in this flow' },
      {
        nodeId: 'broken',
        message:
          'invalid template "{{ nodes.list }}": use nodes.list.output to read what node "list" returned',
      },
    ]);
  });

  test('a transitive upstream is fine, and params go unchecked when the flow declares none', () => {
    const ok: FlowDocument = {
      ...doc,
      params: undefined,
      nodes: [
        doc.nodes[0]!,
        { id: 'mid', type: 'code', config: { source: 'return 3' } },
        { id: 'end', type: 'code', config: { source: '{{ nodes.list.output }} {{ params.any }}' } },
      ],
      edges: [
        { source: 'list', target: 'mid' },
        { source: 'mid', target: 'end' },
      ],
    };
    assert.deepEqual(
      validateTemplateReferences(ok, (id) => new Set(upstreamOf(ok, id))),
      [],
    );
  });
});
