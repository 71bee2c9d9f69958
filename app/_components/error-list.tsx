import type { DocumentIssue } from '@/server/engine/document';

/** Where an issue is: `node "post"`, `edge #2` or nothing (document-level). */
function issueSubject(issue: DocumentIssue): string | undefined {
  if (issue.nodeId !== undefined) return `node "${issue.nodeId}"`;
  if (issue.edgeIndex !== undefined) return `edge #${issue.edgeIndex + 1}`;
  return undefined;
}

/** The field inside the node or edge (`config.url`), or the document path. */
function issueField(issue: DocumentIssue): string | undefined {
  const field = issue.path.replace(/^nodes\.[^.]+\.?/, '').replace(/^edges\.\d+\.?/, '');
  return field || undefined;
}

/**
 * Every problem of a rejected flow document, one per line, each naming its
 * node or edge and field, in the same words as the CLI (`formatIssue`).
 */
export function ErrorList({ issues }: { issues: readonly DocumentIssue[] }) {
  return (
    <ul className="space-y-1.5">
      {issues.map((issue, index) => {
        const subject = issueSubject(issue);
        const field = issueField(issue);
        return (
          <li
            key={index}
            className="flex flex-wrap items-baseline gap-x-1.5 gap-y-0.5"
            data-node-id={issue.nodeId}
            data-edge-index={issue.edgeIndex}
          >
            {subject && (
              <span className="rounded bg-white/70 px-1.5 py-px font-mono text-xs font-medium ring-1 ring-inset ring-red-200">
                {subject}
              </span>
            )}{' '}
            {field && <code className="font-mono text-xs text-red-800">{field}</code>}{' '}
            <span>
              {subject || field ? '— ' : ''}
              {issue.message}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
