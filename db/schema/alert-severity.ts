import { pgEnum } from 'drizzle-orm/pg-core';

/** Its own module because organisation settings (organisations.ts) name it and alerts.ts references organisations. */
export const alertSeverity = pgEnum('alert_severity', ['critical', 'high', 'medium', 'low']);
export type AlertSeverity = (typeof alertSeverity.enumValues)[number];
