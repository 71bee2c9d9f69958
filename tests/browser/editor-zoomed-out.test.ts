/**
 * A big flow in the editor opens fitted to the screen, where a card's text
 * is unreadable: its tasks are drawn as blocks (node-block.tsx), with
 * their edges attached as one layer under them (block-edges.tsx), and
 * become cards with React Flow's own edges once zoomed in far enough to
 * read. In real Chromium against the production build. (How fast it
 * opens is `npm run bench:canvas`'s business.)
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { FlowDocument } from '@/server/engine/document';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';
import { layeredFlow } from '../helpers/layered-flow';

let app: OwnerBrowserApp;

before(async () => {
  app = await startBrowserApp({
    env: { PIPEWRIGHT_WORKER: '0' },
    contextOptions: { viewport: { width: 1440, height: 900 } },
  });
});

after(() => app?.close());

afterEach(() => app?.assertNoPageErrors());

/** Where a path starts, in canvas coordinates (a path is "M x,y ..."). */
function pathStart(d: string | null, what: string) {
  const match = /^M\s*([-\d.]+)[ ,]([-\d.]+)/.exec(d ?? '');
  assert.ok(match, `${what} has a path (${d})`);
  return { x: Number(match[1]), y: Number(match[2]) };
}

/** Where React Flow's edge source → target starts (zoomed in). */
async function edgeStart(page: Page, source: string, target: string) {
  const d = await page.evaluate(
    ([from, to]) => {
      // The editor's edge ids join source, handle and target with NUL
      // characters; the read-only canvas's are "e<index>:source:handle:target".
      const edge = [...document.querySelectorAll('.react-flow__edge')].find((element) => {
        const parts = (element.getAttribute('data-id') ?? '')
          .replaceAll('\u0000', ':')
          .split(':')
          .filter(Boolean);
        return parts.at(-1) === to && parts.at(-2) === from;
      });
      return edge?.querySelector('path.react-flow__edge-path')?.getAttribute('d') ?? null;
    },
    [source, target],
  );
  return pathStart(d, `edge ${source} → ${target}`);
}

/** Where the zoomed-out layer's edge source → target starts. */
async function blockEdgeStart(page: Page, source: string, target: string) {
  const d = await page
    .locator(`.pw-block-edges path[data-source="${source}"][data-target="${target}"]`)
    .getAttribute('d');
  return pathStart(d, `block edge ${source} → ${target}`);
}

/**
 * The outer side of a block's source handle, halfway down, in canvas
 * coordinates (where React Flow would attach an edge): from the handle's
 * box on screen and the viewport's transform.
 */
async function sourceHandleAnchor(page: Page, nodeId: string) {
  return page.evaluate((id) => {
    const handle = document.querySelector(
      `.react-flow__node[data-id="${id}"] .react-flow__handle.source`,
    );
    const pane = document.querySelector('.react-flow__renderer');
    const viewport = document.querySelector<HTMLElement>('.react-flow__viewport');
    if (!handle || !pane || !viewport) return null;
    const { e: x, f: y, a: zoom } = new DOMMatrix(getComputedStyle(viewport).transform);
    const box = handle.getBoundingClientRect();
    const origin = pane.getBoundingClientRect();
    return {
      x: (box.right - origin.left - x) / zoom,
      y: (box.top + box.height / 2 - origin.top - y) / zoom,
    };
  }, nodeId);
}

/** The edge layer's transform and React Flow's viewport's: the same after any pan or zoom. */
async function layerTransforms(page: Page) {
  return page.evaluate(() => ({
    layer: document.querySelector<SVGElement>('.pw-block-edges')?.style.transform,
    viewport: document.querySelector<HTMLElement>('.react-flow__viewport')?.style.transform,
  }));
}

async function counts(page: Page) {
  return page.evaluate(() => ({
    nodes: document.querySelectorAll('.react-flow__node').length,
    blocks: document.querySelectorAll('[data-task-block]').length,
    cards: document.querySelectorAll('[data-task-card]').length,
    edges: document.querySelectorAll('.react-flow__edge').length,
    blockEdges: document.querySelectorAll('.pw-block-edges .pw-block-edge').length,
  }));
}

/**
 * A 500-node flow fitted to the 1440-wide screen: every task a block (no
 * card mounted), the last column on screen, every edge drawn by the layer
 * (none by React Flow), and the edge l0_0 → l1_0 leaving its source block
 * exactly where the block's handle is: at the right side, halfway down.
 * Panned, the layer moves with the blocks.
 */
async function assertOpenedAsBlocks(page: Page, flowDocument: FlowDocument) {
  assert.deepEqual(await counts(page), {
    nodes: 500,
    blocks: 500,
    cards: 0,
    edges: 0,
    blockEdges: flowDocument.edges.length,
  });
  const last = await page.locator('.react-flow__node[data-id="l24_19"]').boundingBox();
  assert.ok(last && last.x + last.width <= 1440, 'the last column is on screen');
  const source = flowDocument.nodes.find((n) => n.id === 'l0_0')?.position;
  assert.ok(source);
  const atBlock = await blockEdgeStart(page, 'l0_0', 'l1_0');
  assert.ok(Math.abs(atBlock.x - (source.x + 240)) < 10, `edge starts at x ${atBlock.x}`);
  assert.ok(Math.abs(atBlock.y - (source.y + 40)) < 10, `edge starts at y ${atBlock.y}`);
  const handle = await sourceHandleAnchor(page, 'l0_0');
  assert.ok(handle, 'the block has a source handle');
  assert.ok(
    Math.abs(atBlock.x - handle.x) < 1 && Math.abs(atBlock.y - handle.y) < 1,
    `edge starts at the handle: (${atBlock.x}, ${atBlock.y}) vs (${handle.x}, ${handle.y})`,
  );

  // Panned by dragging the empty canvas above the first row, the layer follows.
  const before = await layerTransforms(page);
  assert.equal(before.layer, before.viewport);
  const first = await page.locator('.react-flow__node[data-id="l0_0"]').boundingBox();
  assert.ok(first);
  await page.mouse.move(first.x + 200, first.y - 12);
  await page.mouse.down();
  await page.mouse.move(first.x + 260, first.y + 28, { steps: 5 });
  await page.mouse.up();
  const after = await layerTransforms(page);
  assert.notEqual(after.viewport, before.viewport, 'the canvas panned');
  assert.equal(after.layer, after.viewport);
  return source;
}

/** Zooms in with the controls until cards show; then there must be only cards. */
async function zoomInUntilCards(page: Page) {
  const zoomIn = page.locator('.react-flow__controls-zoomin');
  for (let i = 0; i < 12 && (await counts(page)).cards === 0; i++) {
    await zoomIn.click();
    await page.waitForTimeout(100);
  }
  const zoomed = await counts(page);
  assert.equal(zoomed.blocks, 0, 'no block is left once zoomed in');
  assert.ok(zoomed.cards > 0 && zoomed.cards === zoomed.nodes, JSON.stringify(zoomed));
  assert.equal(zoomed.blockEdges, 0, 'React Flow draws the edges again');
  assert.ok(zoomed.edges > 0, JSON.stringify(zoomed));
}

test('a 500-node flow opens as blocks with their edges; zoomed in, its tasks are cards again', async () => {
  const flowDocument = layeredFlow({ layers: 25, perLayer: 20, name: 'Five hundred tasks' });
  assert.equal(flowDocument.nodes.length, 500);
  const { flow } = await app.api.flows.import.mutate({ document: flowDocument });
  const page = await app.openPage(`/flows/${flow.id}`);
  await page.locator('.react-flow__node[data-id="l0_0"]').waitFor();
  await page.getByTestId('palette-code').waitFor();

  // Fitted to the screen, every task is a block, its edges attached.
  const source = await assertOpenedAsBlocks(page, flowDocument);

  // A block can be selected, as a card can.
  await page.locator('.react-flow__node[data-id="l3_4"]').click();
  await page.locator('.react-flow__node.selected[data-id="l3_4"]').waitFor();

  // Zoomed in far enough to read, tasks are cards, and edges follow them.
  await zoomInUntilCards(page);
  const card = page.locator('.react-flow__node[data-id="l0_0"]');
  const height = await card.evaluate((el) => (el as HTMLElement).offsetHeight);
  assert.notEqual(height, 80, 'the card is measured anew, not left at the block height');
  const atCard = await edgeStart(page, 'l0_0', 'l1_0');
  assert.ok(Math.abs(atCard.x - (source.x + 240)) < 10, `edge starts at x ${atCard.x}`);
  assert.ok(
    atCard.y > source.y && atCard.y < source.y + height,
    `edge starts within the card (y ${atCard.y}, card ${source.y}–${source.y + height})`,
  );
  await page.close();
});

test('an older version of a 500-node flow, drawn read-only, opens as blocks too', async () => {
  const flowDocument = layeredFlow({ layers: 25, perLayer: 20, name: 'Five hundred, versioned' });
  const { flow } = await app.api.flows.import.mutate({ document: flowDocument });
  await app.api.flows.rename.mutate({ id: flow.id, name: 'Five hundred, renamed' });
  const page = await app.openPage(`/flows/${flow.id}?version=1`);
  await page.getByTestId('older-version-notice').waitFor();
  await page.locator('.react-flow__node[data-id="l0_0"]').waitFor();

  // Fitted from its positions: all blocks, edges attached. (Only nodes in
  // view are rendered at this size, and all of them are in view.)
  await assertOpenedAsBlocks(page, flowDocument);
  // Zoomed in, cards again: the text can be read.
  await zoomInUntilCards(page);
  await page.close();
});

test('a flow zoomed out and back in attaches its edges to the cards again', async () => {
  // Cards measured, then blocks (with their own measures), then cards: the
  // edges must leave from the cards' handles, not where the blocks' were.
  const flowDocument = layeredFlow({ layers: 3, perLayer: 3, name: 'In, out, in' });
  const { flow } = await app.api.flows.import.mutate({ document: flowDocument });
  const page = await app.openPage(`/flows/${flow.id}`);
  await page.locator('.react-flow__node[data-id="l0_0"] [data-task-card]').waitFor();
  const zoomOut = page.locator('.react-flow__controls-zoomout');
  for (let i = 0; i < 12 && (await counts(page)).blocks === 0; i++) {
    await zoomOut.click();
    await page.waitForTimeout(100);
  }
  assert.equal((await counts(page)).cards, 0, 'zoomed out, every task is a block');
  await zoomInUntilCards(page);
  await page.waitForTimeout(200);
  const atCard = await edgeStart(page, 'l0_0', 'l1_0');
  const handle = await sourceHandleAnchor(page, 'l0_0');
  assert.ok(handle, 'the card has a source handle');
  assert.ok(
    Math.abs(atCard.x - handle.x) < 1 && Math.abs(atCard.y - handle.y) < 1,
    `edge starts at the card's handle: (${atCard.x}, ${atCard.y}) vs (${handle.x}, ${handle.y})`,
  );
  await page.close();
});
