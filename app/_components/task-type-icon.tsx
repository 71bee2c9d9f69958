import type { ComponentType, SVGProps } from 'react';
import { cn } from '@/app/_lib/cn';
import {
  BellIcon,
  BranchIcon,
  CodeIcon,
  DatabaseIcon,
  FolderIcon,
  GlobeIcon,
  HandIcon,
  RepeatIcon,
  TerminalIcon,
  TimerIcon,
  WorkflowIcon,
} from './icons';

/**
 * Drawn icons for the built-in task types. The catalog's `icon` is a text
 * glyph; some of them (⑂, ⏱) are missing from common Linux fonts, so known
 * types get a drawn icon and any other type shows its glyph.
 */
const drawnIcons: Record<string, ComponentType<SVGProps<SVGSVGElement>>> = {
  code: CodeIcon,
  http: GlobeIcon,
  branch: BranchIcon,
  delay: TimerIcon,
  files: FolderIcon,
  notify: BellIcon,
  shell: TerminalIcon,
  sql: DatabaseIcon,
  subflow: WorkflowIcon,
  'for-each': RepeatIcon,
  approval: HandIcon,
};

export function TaskTypeIcon({
  type,
  glyph,
  className,
}: {
  type: string;
  /** The catalog's glyph for the type; undefined for an unknown type. */
  glyph: string | undefined;
  className?: string;
}) {
  const Drawn = drawnIcons[type];
  if (Drawn) return <Drawn className={cn('size-4', className)} />;
  return (
    <span
      aria-hidden="true"
      className={cn('font-mono text-xs leading-none font-semibold', className)}
    >
      {glyph ?? '?'}
    </span>
  );
}
