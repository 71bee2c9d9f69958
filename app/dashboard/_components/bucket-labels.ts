/** Axis and tooltip wording for a bar that starts at `start`. */
export function bucketLabels(start: Date, bucket: 'hour' | 'day') {
  if (bucket === 'hour') {
    const end = new Date(start.getTime() + 3_600_000);
    const time = (d: Date) =>
      d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
    return {
      axis: time(start),
      title: `${start.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}, ${time(start)} – ${time(end)}`,
    };
  }
  return {
    axis: start.toLocaleDateString(undefined, { month: 'short', day: 'numeric' }),
    title: start.toLocaleDateString(undefined, {
      weekday: 'short',
      month: 'short',
      day: 'numeric',
    }),
  };
}
