import type { NotificationEvent } from '@/db/schema';

export interface NotificationFacts {
  event: NotificationEvent;
  flowName: string;
  /** Null for a late schedule that has no run yet. */
  run: {
    id: string;
    state: string;
    stateReason: string | null;
    trigger: string;
    startedAt: Date | null;
    endedAt: Date | null;
    createdAt: Date;
  } | null;
  detail: string | null;
  /** The run page (or the flow's page when there is no run). */
  link: string;
}

/** "1 h 2 min", "3 min 4 s", "850 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Slack-compatible incoming-webhook JSON: `text` alone reads well anywhere
 * (Mattermost, Rocket.Chat, Discord's /slack endpoint); `blocks` add the
 * fields and a button where Block Kit is understood.
 */
export function notificationMessage(facts: NotificationFacts) {
  const { run } = facts;
  const duration =
    run?.startedAt && run.endedAt
      ? formatDuration(run.endedAt.getTime() - run.startedAt.getTime())
      : null;
  let headline: string;
  if (facts.event === 'failure') {
    const reason = run?.stateReason ? `: ${oneLine(run.stateReason)}` : '';
    headline = `❌ ${facts.flowName} ${run?.state === 'crashed' ? 'crashed' : 'failed'}${reason}`;
  } else if (facts.event === 'success') {
    headline = `✅ ${facts.flowName} completed${duration ? ` in ${duration}` : ''}`;
  } else {
    headline = `⏰ ${facts.flowName} is late${facts.detail ? `: ${oneLine(facts.detail)}` : ''}`;
  }
  const text = `${headline} — ${facts.link}`;
  const fields = [
    { type: 'mrkdwn', text: `*Flow*\n${facts.flowName}` },
    ...(run ? [{ type: 'mrkdwn', text: `*State*\n${run.state}` }] : []),
    ...(duration ? [{ type: 'mrkdwn', text: `*Duration*\n${duration}` }] : []),
    ...(run ? [{ type: 'mrkdwn', text: `*Trigger*\n${run.trigger}` }] : []),
  ];
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: headline } },
      { type: 'section', fields },
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            text: { type: 'plain_text', text: run ? 'Open the run' : 'Open the flow' },
            url: facts.link,
          },
        ],
      },
    ],
  };
}
