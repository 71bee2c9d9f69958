import { Alert } from '@/app/_components/alert';
import { ErrorList } from '@/app/_components/error-list';
import type { ImportFailure } from './use-import-flow';

function plural(count: number, word: string) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Why an import did not happen, down to each node and field at fault. */
export function ImportFailureAlert({
  failure,
  onDismiss,
}: {
  failure: ImportFailure;
  onDismiss: () => void;
}) {
  return (
    <Alert
      tone="error"
      title={`${failure.source} was not imported`}
      onDismiss={onDismiss}
      data-testid="import-error"
    >
      {failure.kind === 'invalid-document' ? (
        <>
          <p className="mb-2">
            The flow document has {plural(failure.issues.length, 'problem')}; fix{' '}
            {failure.issues.length === 1 ? 'it' : 'them'} and import the file again.
          </p>
          <ErrorList issues={failure.issues} />
        </>
      ) : failure.kind === 'not-json' ? (
        <p>
          The file is not valid JSON: <span className="font-mono text-xs">{failure.message}</span>
        </p>
      ) : failure.kind === 'unreadable' ? (
        <p>The file could not be read: {failure.message}</p>
      ) : (
        <p className="whitespace-pre-line">{failure.message}</p>
      )}
    </Alert>
  );
}
