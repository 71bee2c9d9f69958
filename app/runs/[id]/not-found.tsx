import type { Metadata } from 'next';
import { NotFoundMessage } from '@/app/_components/not-found-message';

export const metadata: Metadata = { title: 'Run not found' };

export default function RunNotFound() {
  return (
    <NotFoundMessage title="Run not found" backHref="/runs" backLabel="All runs">
      There is no run at this address. The link may be mistyped, or the run was deleted.
    </NotFoundMessage>
  );
}
