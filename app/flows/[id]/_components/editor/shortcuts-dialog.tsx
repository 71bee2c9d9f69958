'use client';

import { Dialog } from '@/app/_components/dialog';

export const isMac = () =>
  typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** Every keyboard shortcut of the editor, in one place (`?`). */
export const shortcutGroups: { title: string; items: [keys: string, what: string][] }[] = [
  {
    title: 'Add and connect',
    items: [
      ['/  or  Mod K', 'Add a task at the cursor'],
      ['N', 'Add a sticky note'],
      ['Drag a handle', 'Connect two tasks'],
    ],
  },
  {
    title: 'Select and edit',
    items: [
      ['Click, Shift+click', 'Select, add to the selection'],
      ['Shift+drag', 'Select with a box'],
      ['Mod A', 'Select everything'],
      ['Delete / Backspace', 'Delete the selection'],
      ['Mod C  /  Mod X  /  Mod V', 'Copy, cut, paste (also between flows and tabs)'],
      ['Mod D', 'Duplicate the selection'],
      ['Mod Z  /  Mod Shift Z', 'Undo, redo'],
    ],
  },
  {
    title: 'View',
    items: [
      ['Shift 1', 'Zoom to fit'],
      ['Shift L', 'Tidy up the layout'],
      ['G', 'Snap to grid on/off'],
      ['Esc', 'Clear the selection'],
    ],
  },
  {
    title: 'Flow',
    items: [
      ['Mod S', 'Save a new version'],
      ['?', 'This list'],
    ],
  },
];

export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const mod = isMac() ? '⌘' : 'Ctrl';
  return (
    <Dialog open={open} onClose={onClose} title="Keyboard shortcuts" data-testid="shortcuts-dialog">
      <div className="space-y-4">
        {shortcutGroups.map((group) => (
          <section key={group.title}>
            <h3 className="mb-1.5 text-[11px] font-semibold tracking-wide text-slate-500 uppercase">
              {group.title}
            </h3>
            <dl className="divide-y divide-slate-100">
              {group.items.map(([keys, what]) => (
                <div key={keys} className="flex items-center justify-between gap-4 py-1.5">
                  <dt className="text-slate-700">{what}</dt>
                  <dd className="shrink-0">
                    <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-sans text-xs whitespace-pre text-slate-700">
                      {keys.replaceAll('Mod', mod)}
                    </kbd>
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </Dialog>
  );
}
