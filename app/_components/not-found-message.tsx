import { ButtonLink } from './button';
import { EmptyState } from './empty-state';
import { ArrowLeftIcon, SearchIcon } from './icons';

/** The 404 body: what was not found, why that may be, and the way back. */
export function NotFoundMessage({
  title,
  children,
  backHref = '/',
  backLabel = 'Back to flows',
}: {
  title: string;
  children: React.ReactNode;
  backHref?: string;
  backLabel?: string;
}) {
  return (
    <EmptyState
      icon={<SearchIcon className="size-5" />}
      title={title}
      data-testid="not-found"
      className="py-24"
      actions={
        <ButtonLink href={backHref} variant="primary">
          <ArrowLeftIcon />
          {backLabel}
        </ButtonLink>
      }
    >
      {children}
    </EmptyState>
  );
}
