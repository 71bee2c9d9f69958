import type { Metadata } from 'next';
import { NotFoundMessage } from './_components/not-found-message';

export const metadata: Metadata = { title: 'Not found' };

export default function NotFound() {
  return (
    <NotFoundMessage title="Page not found">
      Nothing lives at this address. The link may be mistyped, or what it pointed to was removed.
    </NotFoundMessage>
  );
}
