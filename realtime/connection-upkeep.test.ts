import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionRegistry, type RegisteredConnection } from './connection-registry';
import { ConnectionUpkeep } from './connection-upkeep';

class RecordingConnection implements RegisteredConnection {
  readonly pingedAt: number[] = [];
  constructor(readonly staffId: string) {}
  sendUpdate(frame: string): boolean {
    if (JSON.parse(frame).type === 'ping') this.pingedAt.push(Date.now());
    return true;
  }
}

describe('ConnectionUpkeep pings', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pings every connection once per round, a slice at a time rather than all in one tick', () => {
    const registry = new ConnectionRegistry<RecordingConnection>();
    const connections = Array.from({ length: 1_000 }, (_, index) => new RecordingConnection(`staff-${index}`));
    for (const connection of connections) registry.add(connection);
    const upkeep = new ConnectionUpkeep({ registry, pingSeconds: 25 });
    upkeep.start();
    const start = Date.now();
    vi.advanceTimersByTime(25_000);
    expect(connections.map((connection) => connection.pingedAt.length)).toEqual(connections.map(() => 1));
    const perTick = new Map<number, number>();
    for (const connection of connections) {
      const at = connection.pingedAt[0] ?? 0;
      perTick.set(at, (perTick.get(at) ?? 0) + 1);
    }
    expect(perTick.size).toBe(100);
    expect(Math.max(...perTick.values())).toBe(10);

    const late = new RecordingConnection('late');
    vi.advanceTimersByTime(1_000);
    registry.add(late);
    vi.advanceTimersByTime(49_000);
    expect(late.pingedAt.length).toBeGreaterThanOrEqual(1);
    expect((late.pingedAt[0] ?? Number.POSITIVE_INFINITY) - (start + 26_000)).toBeLessThanOrEqual(50_000);
    expect(connections.every((connection) => connection.pingedAt.length === 3)).toBe(true);
    upkeep.stop();
  });

  it('pings a connection that joins mid-round within two intervals', () => {
    const registry = new ConnectionRegistry<RecordingConnection>();
    const upkeep = new ConnectionUpkeep({ registry, pingSeconds: 25 });
    upkeep.start();
    vi.advanceTimersByTime(300);
    const joined = new RecordingConnection('joined');
    registry.add(joined);
    const joinedAt = Date.now();
    vi.advanceTimersByTime(50_000);
    expect(joined.pingedAt[0]).toBeDefined();
    expect((joined.pingedAt[0] ?? 0) - joinedAt).toBeLessThan(50_000);
    upkeep.stop();
  });
});
