/** The series of a chart, with their colour (and total, when given). */
export function ChartLegend({
  items,
  'data-testid': testId,
}: {
  items: { key: string; label: string; color: string; value?: string; dashed?: boolean }[];
  'data-testid'?: string;
}) {
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" data-testid={testId}>
      {items.map((item) => (
        <li key={item.key} className="flex items-center gap-1.5" data-series={item.key}>
          <span
            aria-hidden="true"
            className="inline-block h-2.5 w-2.5 rounded-sm"
            style={
              item.dashed ? { border: `2px dashed ${item.color}` } : { background: item.color }
            }
          />
          {item.label}
          {item.value !== undefined && (
            <span className="font-medium tabular-nums text-slate-900">{item.value}</span>
          )}
        </li>
      ))}
    </ul>
  );
}
