'use client';

import type { ParamDefinition } from '@/server/engine/document';
import { NotificationsSection } from './notifications-section';
import { RetentionSection } from './retention-section';
import { SideSheet } from './side-sheet';
import { WebhookSection } from './webhook-section';

/** The flow's triggers and housekeeping: webhook, notifications, retention. */
export function TriggersPanel({
  flowId,
  open,
  onClose,
  params,
}: {
  flowId: string;
  open: boolean;
  onClose: () => void;
  /** The flow's parameters, for the curl example. */
  params: Record<string, ParamDefinition>;
}) {
  return (
    <SideSheet
      open={open}
      onClose={onClose}
      title="Triggers and notifications"
      description="Start runs from other systems, hear about their outcome, and decide how long they are kept."
      data-testid="triggers-panel"
    >
      <WebhookSection flowId={flowId} params={params} />
      <NotificationsSection flowId={flowId} />
      <RetentionSection flowId={flowId} />
    </SideSheet>
  );
}
