import { anyStaff } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './alerts.schemas';

/** Alerts are raised by hubs; staff read them, acknowledge and resolve them here or over the WebSocket. */
const alerts = resourceRoutes({ one: 'alert', guard: anyStaff, schemas });

export const list = alerts.list({
  description: 'Newest first by default. Caregivers see alerts of residents assigned to them only.',
});

export const get = alerts.get();

export const attempts = alerts.get({
  summary: 'Who was told about an alert, and how',
  what: 'deliveries of the alert with their channel attempts',
  returns: schemas.AttemptsSchema,
  description:
    'One entry per delivery (a person told at an escalation step), each with its channel attempts: the ' +
    'dashboard (the delivery itself), and each push and webhook attempt with its state, provider status and time.',
});

export const history = alerts.get({
  summary: "An alert's full history",
  what: 'the alert, its handling record, who was told how, and one timeline of everything that happened',
  returns: schemas.HistorySchema,
  description:
    'The alert; its handling record once resolved (outcome, note, who, when); each delivery (a person told at a ' +
    'step) with its channel attempts; and a timeline, oldest first, of every delivery and channel state change, ' +
    'escalation step, re-trigger, note and the resolution (at most 2,000 entries).',
});

export const acknowledge = alerts.command('Acknowledge an alert', schemas.AckBody, {
  answer: 'Acknowledged',
  errors: ['FORBIDDEN', 'CONFLICT'],
  description:
    "The dashboard's acknowledgement over HTTP (the mobile web app, integrations): the caller's delivery of the " +
    'alert is acknowledged, escalation stops, the other deliveries are superseded, queued push and webhook ' +
    'attempts are cancelled and every dashboard is told. One winner: 409 with the alert as it is now when someone ' +
    'acknowledged first or it is resolved. 403 when the caller can see the alert but was never told of it (resolve ' +
    'it instead); 404 when the caller cannot see it.',
});

export const resolve = alerts.command('Resolve an alert with its handling record', schemas.ResolveBody, {
  answer: 'Resolved',
  errors: ['CONFLICT'],
  description:
    'Closes the alert with what was found (`outcome`) and a note; an unacknowledged alert counts as acknowledged ' +
    'by the resolver. Anyone told of the alert may resolve it, and managers and admins any alert of their ' +
    'organisation; for anyone else it does not exist (404). 409 with the alert as it is now when already resolved.',
});

export const addNote = alerts.command('Add a note to an alert', schemas.NoteBody, {
  answer: 'Added',
  returns: schemas.NoteSchema,
  created: true,
  description:
    "A line in the alert's timeline of what was done (calls made, guardian reached, 119 called): 1–2,000 " +
    'characters, on an open or resolved alert the caller can see.',
});
