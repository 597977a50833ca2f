import { randomUUID } from 'node:crypto';

/** What the simulator needs to know about a hub: its key and its devices by kind (`SeededOrganisation.hubs` entries). */
export interface SimulatedHub {
  apiKey: string;
  devices: Record<string, string>;
}

export interface SimulatedEvent {
  eventId: string;
  deviceId: string | null;
  kind: string;
  time: string;
  value?: number;
  payload?: Record<string, unknown>;
}

export const scenarios = ['fall', 'fire', 'inactivity', 'sos'] as const;
export type Scenario = (typeof scenarios)[number];

/**
 * A home's ordinary traffic: mostly motion, vitals inside the default bands from the bed radar, room temperature,
 * now and then a door. Deterministic for a given `seed` so benchmarks insert the same rows every run.
 */
export function routineEvents(
  hub: SimulatedHub,
  count: number,
  options: { now?: number; spreadMs?: number; seed?: number; quiet?: boolean; doors?: boolean } = {},
): SimulatedEvent[] {
  const now = options.now ?? Date.now();
  const spread = options.spreadMs ?? 1_000;
  let state = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const events: SimulatedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const time = new Date(now - Math.floor(random() * spread)).toISOString();
    const roll = random();
    const pick = (kind: string, device: string, value?: number): SimulatedEvent => ({
      eventId: randomUUID(),
      deviceId: hub.devices[device] ?? null,
      kind,
      time,
      ...(value === undefined ? {} : { value }),
    });
    // A resident who has gone quiet (the inactivity scenario) still breathes in bed: vitals only.
    if (options.quiet)
      events.push(
        roll < 0.5
          ? pick('heart_rate', 'heart_rate', 62 + Math.round(random() * 30))
          : pick('breathing', 'breathing', 15 + Math.round(random() * 4)),
      );
    else if (roll < 0.45) events.push(pick('activity', 'activity', 1));
    else if (roll < 0.7) events.push(pick('heart_rate', 'heart_rate', 62 + Math.round(random() * 30)));
    else if (roll < 0.85) events.push(pick('breathing', 'breathing', 15 + Math.round(random() * 4)));
    else if (roll < 0.995 || options.doors === false)
      events.push(pick('temperature', 'activity', 20 + Math.round(random() * 40) / 10));
    else events.push(pick(random() < 0.5 ? 'door_open' : 'door_closed', 'door'));
  }
  return events;
}

/** The emergency a scenario stages in one home (inactivity is staged by sending only vitals from then on). */
export function scenarioEvents(hub: SimulatedHub, scenario: Scenario, now = Date.now()): SimulatedEvent[] {
  const time = new Date(now).toISOString();
  const event = (kind: string, device: string, extra: Partial<SimulatedEvent> = {}): SimulatedEvent => ({
    eventId: randomUUID(),
    deviceId: hub.devices[device] ?? null,
    kind,
    time,
    ...extra,
  });
  switch (scenario) {
    case 'fall':
      return [event('fall', 'fall_detector', { value: 0.92, payload: { source: 'radar', room: 'bathroom' } })];
    case 'fire':
      return [event('smoke', 'fire'), event('fire', 'fire', { payload: { celsius: 71 } })];
    case 'sos':
      return [event('emergency_button', 'emergency_button')];
    case 'inactivity':
      return [];
  }
}
