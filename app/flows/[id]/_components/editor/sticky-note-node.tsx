'use client';

import { type NodeProps, NodeResizer } from '@xyflow/react';
import { memo, useState } from 'react';
import type { NoteCanvasNode } from './editor-graph';
import { useEditorStoreApi } from './editor-store';
import { sameNodePropsButPosition } from './same-node-props';

/** A sticky note: double-click to write; resizable when selected. */
export const StickyNoteNode = memo(function StickyNoteNode({
  id,
  data,
  selected,
}: NodeProps<NoteCanvasNode>) {
  const store = useEditorStoreApi();
  const [editing, setEditing] = useState(data.note.text === '');
  return (
    <>
      <NodeResizer
        isVisible={selected}
        minWidth={140}
        minHeight={72}
        color="#f59e0b"
        onResizeStart={() => store.getState().checkpoint()}
      />
      {/* biome-ignore lint/a11y/noStaticElementInteractions: double-click to write is a pointer shortcut; a new note opens for writing. */}
      <div
        className="h-full w-full overflow-hidden rounded-md bg-amber-100 p-3 text-[13px] leading-5 text-amber-950 shadow-sm ring-1 ring-amber-300/80"
        onDoubleClick={() => setEditing(true)}
        data-testid="sticky-note"
      >
        {editing ? (
          <textarea
            className="nodrag nowheel nopan h-full w-full resize-none bg-transparent outline-none placeholder:text-amber-700/60"
            value={data.note.text}
            autoFocus
            placeholder="Write a note…"
            aria-label="Note text"
            onChange={(event) => store.getState().updateNote(id, event.target.value)}
            onBlur={() => setEditing(false)}
          />
        ) : (
          <p className="whitespace-pre-wrap break-words">
            {data.note.text || <span className="text-amber-700/60">Double-click to write</span>}
          </p>
        )}
      </div>
    </>
  );
}, sameNodePropsButPosition);
