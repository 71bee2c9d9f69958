/**
 * The workspace's roles, weakest first. Browser-safe: the UI uses the same
 * rules to hide what a role cannot do (the server still refuses it).
 */
export const workspaceRoles = ['viewer', 'editor', 'owner'] as const;
export type WorkspaceRole = (typeof workspaceRoles)[number];

const rank: Record<WorkspaceRole, number> = { viewer: 1, editor: 2, owner: 3 };

/** Whether `role` may do what `needed` may: owners ⊃ editors ⊃ viewers. */
export function roleAllows(role: WorkspaceRole | null | undefined, needed: WorkspaceRole): boolean {
  return role !== null && role !== undefined && rank[role] >= rank[needed];
}

export function isWorkspaceRole(value: unknown): value is WorkspaceRole {
  return typeof value === 'string' && value in rank;
}

export const roleDescriptions: Record<WorkspaceRole, string> = {
  viewer: 'Sees flows and runs, opens share links',
  editor: 'Also creates, edits, runs, cancels, schedules and shares flows',
  owner: 'Also manages members, secrets and settings',
};
