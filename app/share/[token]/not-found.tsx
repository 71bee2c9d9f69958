import type { Metadata } from 'next';
import { EmptyState } from '@/app/_components/empty-state';
import { SearchIcon } from '@/app/_components/icons';

export const metadata: Metadata = { title: 'Link not available' };

/** A dead share link: no way into the app from here, only what to do next. */
export default function ShareNotFound() {
  return (
    <EmptyState
      icon={<SearchIcon className="size-5" />}
      title="This link doesn't work"
      data-testid="share-not-found"
      className="py-24"
    >
      It may have been revoked or expired, or it was copied incompletely. Ask the person who sent it
      for a new link.
    </EmptyState>
  );
}
