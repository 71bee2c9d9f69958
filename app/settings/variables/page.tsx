import type { Metadata } from 'next';
import { VariablesPage } from '../_components/variables-page';

export const metadata: Metadata = { title: 'Variables' };

export default function Page() {
  return <VariablesPage />;
}
