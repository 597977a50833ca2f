import { relations } from 'drizzle-orm';
import { alertDeliveries, alerts } from './alerts';
import { cameras, devices, hubs } from './devices';
import { organisations } from './organisations';
import { assignments, residents, staff } from './people';

export const organisationsRelations = relations(organisations, ({ many }) => ({
  staff: many(staff),
  residents: many(residents),
}));

export const staffRelations = relations(staff, ({ one, many }) => ({
  organisation: one(organisations, { fields: [staff.orgId], references: [organisations.id] }),
  assignments: many(assignments),
}));

export const residentsRelations = relations(residents, ({ one, many }) => ({
  organisation: one(organisations, { fields: [residents.orgId], references: [organisations.id] }),
  assignments: many(assignments),
  hubs: many(hubs),
  cameras: many(cameras),
  alerts: many(alerts),
}));

export const assignmentsRelations = relations(assignments, ({ one }) => ({
  staff: one(staff, { fields: [assignments.staffId], references: [staff.id] }),
  resident: one(residents, { fields: [assignments.residentId], references: [residents.id] }),
}));

export const hubsRelations = relations(hubs, ({ one, many }) => ({
  resident: one(residents, { fields: [hubs.residentId], references: [residents.id] }),
  devices: many(devices),
}));

export const devicesRelations = relations(devices, ({ one }) => ({
  hub: one(hubs, { fields: [devices.hubId], references: [hubs.id] }),
}));

export const camerasRelations = relations(cameras, ({ one }) => ({
  resident: one(residents, { fields: [cameras.residentId], references: [residents.id] }),
}));

export const alertsRelations = relations(alerts, ({ one, many }) => ({
  resident: one(residents, { fields: [alerts.residentId], references: [residents.id] }),
  deliveries: many(alertDeliveries),
}));

export const alertDeliveriesRelations = relations(alertDeliveries, ({ one }) => ({
  alert: one(alerts, { fields: [alertDeliveries.alertId], references: [alerts.id] }),
  staff: one(staff, { fields: [alertDeliveries.staffId], references: [staff.id] }),
}));
