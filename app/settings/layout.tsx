import { SettingsNav } from './_components/settings-nav';

export default function SettingsLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="mx-auto flex max-w-6xl flex-col gap-6 px-6 py-8 md:flex-row">
      <aside className="md:w-48 md:shrink-0">
        <h1 className="mb-3 px-3 text-xs font-semibold tracking-wide text-slate-500 uppercase">
          Settings
        </h1>
        <SettingsNav />
      </aside>
      <div className="min-w-0 flex-1">{children}</div>
    </div>
  );
}
