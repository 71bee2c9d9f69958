/**
 * Dragging a node on a big canvas does the least work per frame, in real
 * Chromium against the production build: counted, not timed (the frame
 * times are `npm run bench:canvas`'s business). For each position change
 * of a drag there is exactly one update of React Flow's store (its `nodes`)
 * and one of the editor store; no task card re-renders (the dragged card is
 * moved by its wrapper, not redrawn); React Flow re-renders only the dragged
 * node's wrapper, and only the edges that touch it are drawn again (by the
 * zoomed-out edge layer, as here, where 200 nodes fit the screen as blocks).
 * Opening a big flow draws each task node once: measuring its blocks
 * changes nothing.
 *
 * Why it matters: every React Flow store update re-runs the selectors of
 * every node, edge and handle. A prop handed to <ReactFlow> that is a new
 * object or function on each render is copied into that store on each drag
 * frame, one more update per such prop (issue #9: three of them made a
 * drag drop a frame in twenty on a 500-node flow).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type OwnerBrowserApp, startBrowserApp } from '../helpers/browser-app';
import { layeredFlow } from '../helpers/layered-flow';
import { installRenderProbe, startCounting, stopCounting } from '../helpers/render-probe';

let app: OwnerBrowserApp;

before(async () => {
  app = await startBrowserApp({
    env: { PIPEWRIGHT_WORKER: '0' },
    contextOptions: { viewport: { width: 1440, height: 900 } },
  });
  // Each page counts from its first commit; the drag test restarts the count.
  await installRenderProbe(app.context, { countFromStart: true });
});

after(async () => {
  await app?.close();
});

test('dragging one node of 200: one store update per move, only its wrapper and edges redrawn', async () => {
  const flowDocument = layeredFlow({ layers: 10, perLayer: 20, name: 'Drag me' });
  const dragged = 'l5_10';
  const touching = flowDocument.edges.filter((e) => e.source === dragged || e.target === dragged);
  assert.ok(touching.length >= 2, 'the dragged node has edges');
  const { flow } = await app.api.flows.import.mutate({ document: flowDocument });

  const page = await app.context.newPage();
  const pageErrors: Error[] = [];
  page.on('pageerror', (error) => pageErrors.push(error));
  await page.goto(`${app.url}/flows/${flow.id}`);
  const target = page.locator(`.react-flow__node[data-id="${dragged}"]`);
  await target.waitFor();
  await page.getByTestId('palette-code').waitFor();

  // Fitted to the screen, its tasks are blocks and its edges the layer's.
  await target.locator('[data-task-block]').waitFor();
  const touchingLine = page.locator(`.pw-block-edges path[data-target="${dragged}"]`).first();
  const lineBefore = await touchingLine.getAttribute('d');
  const box = await target.boundingBox();
  assert.ok(box, 'the node is on screen');
  const from = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const transformBefore = await target.evaluate((el) => (el as HTMLElement).style.transform);

  // Start the drag (the undo checkpoint, the selection, the validation
  // that follows an edit), then count only while it moves.
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  for (let i = 1; i <= 4; i++) await page.mouse.move(from.x + i * 4, from.y);
  await page.waitForTimeout(600);
  await startCounting(page);
  for (let i = 0; i < 40; i++) {
    const t = i / 8;
    await page.mouse.move(from.x + 16 + Math.sin(t) * 90, from.y + Math.sin(t * 0.7) * 60);
    await page.waitForTimeout(16);
  }
  const counts = await stopCounting(page);
  await page.mouse.up();

  assert.deepEqual(
    counts.storesFound,
    { reactFlow: true, editor: true },
    'the probe sees both stores',
  );
  const moves = counts.reactFlowNodesUpdates;
  assert.ok(moves >= 10, `the drag moved the node (${moves} position updates)`);
  assert.notEqual(
    await target.evaluate((el) => (el as HTMLElement).style.transform),
    transformBefore,
    'the node is somewhere else',
  );
  const report = JSON.stringify(counts);

  // One React Flow store update per move: its nodes, nothing else.
  assert.deepEqual(
    counts.reactFlowOtherFields,
    [],
    `only nodes change in React Flow's store: ${report}`,
  );
  assert.equal(counts.reactFlowUpdates, moves, `one React Flow store update per move: ${report}`);
  // One editor store update per move (the new positions).
  assert.ok(counts.editorStoreUpdates <= moves, `one editor store update per move: ${report}`);
  // The dragged node's wrapper moves it; no node component or card redraws.
  assert.ok(counts.nodeWrappers <= moves, `only the dragged node's wrapper re-renders: ${report}`);
  assert.equal(counts.nodeComponents, 0, `no node component re-renders for a move: ${report}`);
  assert.equal(counts.taskCards, 0, `no task card re-renders for a move: ${report}`);
  // The edges touching it follow; no other edge is drawn again, and React
  // Flow, which has no edges while zoomed out, re-renders none.
  assert.equal(counts.edgeWrappers, 0, `React Flow draws no edge while zoomed out: ${report}`);
  assert.ok(counts.blockEdgeLines >= moves, `the edges of the dragged node follow it: ${report}`);
  assert.ok(
    counts.blockEdgeLines <= moves * touching.length,
    `only the ${touching.length} edges of the dragged node are drawn again: ${report}`,
  );
  assert.notEqual(await touchingLine.getAttribute('d'), lineBefore, 'an edge into it moved');

  // The drag is one undoable edit, and it is undone as one.
  await page.getByTestId('undo').click();
  await page.waitForFunction(
    ({ id, transform }) =>
      (document.querySelector(`.react-flow__node[data-id="${id}"]`) as HTMLElement | null)?.style
        .transform === transform,
    { id: dragged, transform: transformBefore },
  );
  assert.deepEqual(
    pageErrors.map((e) => e.message),
    [],
    'no uncaught errors in the page',
  );
});

test('opening a 500-node flow draws each task node once: measuring its blocks changes nothing', async () => {
  // Zoomed out, every node carries what React Flow would measure on its
  // block (blockMeasures). Without that, the measurement went back to the
  // editor's store as 500 size changes, and every node was drawn again
  // (1,000 node renders, 1,500 wrapper renders) before the first paint.
  const flowDocument = layeredFlow({ layers: 25, perLayer: 20, name: 'Open me' });
  const { flow } = await app.api.flows.import.mutate({ document: flowDocument });
  const page = await app.context.newPage();
  await page.goto(`${app.url}/flows/${flow.id}`);
  await page.locator('.react-flow__node[data-id="l24_19"] [data-task-block]').waitFor();
  await page.getByTestId('palette-code').waitFor();
  await page.waitForTimeout(1000);
  const counts = await stopCounting(page);
  const report = JSON.stringify(counts);
  assert.ok(counts.storesFound.reactFlow, `the probe sees React Flow's store: ${report}`);
  assert.equal(counts.nodeComponents, 500, `each task node drawn once: ${report}`);
  assert.equal(counts.editorStoreUpdates, 0, `measuring changed no node's size: ${report}`);
  assert.equal(counts.edgeWrappers, 0, `React Flow draws no edge while zoomed out: ${report}`);
  assert.equal(
    counts.blockEdgeLines,
    flowDocument.edges.length,
    `the layer drew each edge once: ${report}`,
  );
  await page.close();
});
