import { z } from 'zod';
import { defineTaskDefinition, httpUrlOrTemplate } from './define';

export const notifyTask = defineTaskDefinition({
  type: 'notify',
  title: 'Notify',
  description:
    'Post a message to a Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat; Discord with /slack).',
  category: 'Integrations',
  icon: '✉',
  config: z.strictObject({
    url: httpUrlOrTemplate(),
    text: z.string().min(1, 'is required'),
    /** Shown in bold above the text. */
    title: z.string().optional(),
  }),
  defaults: {
    url: 'https://hooks.slack.com/services/T000/B000/XXXX',
    text: 'Flow finished',
  },
});
