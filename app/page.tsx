export default function FlowsPage() {
  return <div className="mx-auto max-w-6xl p-6">Flows</div>;
}
