import type { Metadata } from 'next';
import { FlowsListPage } from './_components/flows-list/flows-list-page';

export const metadata: Metadata = { title: 'Flows' };

export default function FlowsPage() {
  return <FlowsListPage />;
}
