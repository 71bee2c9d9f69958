import { EmptyState } from '@/app/_components/empty-state';
import { BanIcon } from '@/app/_components/icons';
import type { WorkspaceRole } from '@/server/auth/roles';

/** What a page shows someone whose role does not reach it. */
export function RoleRequired({ needed, what }: { needed: WorkspaceRole; what: string }) {
  return (
    <EmptyState
      icon={<BanIcon className="size-5" />}
      title={`Only ${needed}s can ${what}`}
      data-testid="role-required"
      className="py-24"
    >
      Ask the workspace owner if you need this.
    </EmptyState>
  );
}
