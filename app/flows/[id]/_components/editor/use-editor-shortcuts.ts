'use client';

import { useEffect, useRef } from 'react';
import { type FlowFragment, parseFragment } from './editor-graph';
import type { EditorStore } from './editor-store';

export interface EditorCommands {
  save(): void;
  quickAdd(): void;
  showShortcuts(): void;
  fitView(): void;
  autoLayout(): void;
  addNote(): void;
  toggleSnap(): void;
  /** Top-left for pasted nodes: at the cursor, else the middle of the view. */
  pastePosition(): { x: number; y: number };
}

function isEditable(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    target.closest('input, textarea, select, [contenteditable="true"], .cm-editor') !== null
  );
}

const modalOpen = () => document.querySelector('dialog[open]') !== null;
const hasTextSelection = () => (window.getSelection()?.toString() ?? '') !== '';

/**
 * The editor's keyboard: shortcuts act on the canvas unless the focus is in
 * a field (where keys type and Ctrl+Z undoes typing). Copy puts a v1
 * fragment on the system clipboard (`copy` event and navigator.clipboard),
 * so it pastes into another flow or another tab.
 */
export function useEditorShortcuts(store: EditorStore, commands: EditorCommands) {
  const latest = useRef(commands);
  latest.current = commands;

  useEffect(() => {
    /** The last fragment copied here: pasted when the clipboard cannot be read. */
    let copied: FlowFragment | null = null;
    let pasteSeen = false;
    let copySeen = false;

    const pasteFragment = (fragment: FlowFragment) =>
      store.getState().paste(fragment, latest.current.pastePosition());

    const copyToClipboard = (cut: boolean) => {
      const fragment = store.getState().copySelection();
      if (!fragment) return null;
      copied = fragment;
      const text = JSON.stringify(fragment);
      navigator.clipboard?.writeText(text).catch(() => {
        // The copy event below carries it too; and `copied` is the same-tab fallback.
      });
      if (cut) store.getState().deleteSelection();
      return text;
    };

    const onKeyDown = (event: KeyboardEvent) => {
      const mod = event.metaKey || event.ctrlKey;
      const key = event.key.toLowerCase();
      const commands = latest.current;
      if (mod && key === 's') {
        event.preventDefault();
        commands.save();
        return;
      }
      if (event.defaultPrevented || isEditable(event.target) || modalOpen()) return;
      const state = store.getState();
      if (mod && !event.altKey) {
        if (key === 'z') {
          event.preventDefault();
          if (event.shiftKey) state.redo();
          else state.undo();
        } else if (key === 'y') {
          event.preventDefault();
          state.redo();
        } else if (key === 'k') {
          event.preventDefault();
          commands.quickAdd();
        } else if (key === 'a') {
          event.preventDefault();
          state.selectAll();
        } else if (key === 'd') {
          event.preventDefault();
          state.duplicateSelection();
        } else if (key === 'c' || key === 'x') {
          // The copy event normally fires; if none comes, write the clipboard ourselves.
          copySeen = false;
          setTimeout(() => {
            if (!copySeen) copyToClipboard(key === 'x');
          }, 80);
        } else if (key === 'v') {
          // The paste event normally brings the clipboard; if none comes, read it ourselves.
          pasteSeen = false;
          setTimeout(() => {
            if (pasteSeen) return;
            const fallback = copied;
            navigator.clipboard
              ?.readText()
              .then((text) => {
                const fragment = parseFragment(text) ?? fallback;
                if (fragment) pasteFragment(fragment);
              })
              .catch(() => fallback && pasteFragment(fallback));
          }, 80);
        }
        return;
      }
      if (event.altKey) return;
      if (event.key === '/') {
        event.preventDefault();
        commands.quickAdd();
      } else if (event.key === '?') {
        event.preventDefault();
        commands.showShortcuts();
      } else if (event.key === 'Delete' || event.key === 'Backspace') {
        event.preventDefault();
        state.deleteSelection();
      } else if (event.key === 'Escape') {
        state.select(null);
      } else if (event.shiftKey && event.code === 'Digit1') {
        event.preventDefault();
        commands.fitView();
      } else if (event.shiftKey && key === 'l') {
        event.preventDefault();
        commands.autoLayout();
      } else if (!event.shiftKey && key === 'n') {
        event.preventDefault();
        commands.addNote();
      } else if (!event.shiftKey && key === 'g') {
        event.preventDefault();
        commands.toggleSnap();
      }
    };

    const onCopy = (event: ClipboardEvent, cut: boolean) => {
      copySeen = true;
      if (isEditable(event.target) || hasTextSelection() || modalOpen()) return;
      const text = copyToClipboard(cut);
      if (text === null) return;
      event.clipboardData?.setData('text/plain', text);
      event.preventDefault();
    };
    const onCopyEvent = (event: ClipboardEvent) => onCopy(event, false);
    const onCutEvent = (event: ClipboardEvent) => onCopy(event, true);
    const onPaste = (event: ClipboardEvent) => {
      pasteSeen = true;
      if (isEditable(event.target) || modalOpen()) return;
      const fragment = parseFragment(event.clipboardData?.getData('text/plain') ?? '');
      if (!fragment) return;
      event.preventDefault();
      pasteFragment(fragment);
    };

    document.addEventListener('keydown', onKeyDown);
    document.addEventListener('copy', onCopyEvent);
    document.addEventListener('cut', onCutEvent);
    document.addEventListener('paste', onPaste);
    return () => {
      document.removeEventListener('keydown', onKeyDown);
      document.removeEventListener('copy', onCopyEvent);
      document.removeEventListener('cut', onCutEvent);
      document.removeEventListener('paste', onPaste);
    };
  }, [store]);
}
