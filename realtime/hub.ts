import type { Client } from './client';

/**
 * Who is connected to this node, by staff member (after centrifuge's hub.go). Only clients that finished
 * authentication are here. Fan-out encodes a frame once and hands the same bytes to every recipient; one
 * socket's failure never stops the others.
 */
export class Hub {
  private readonly byStaff = new Map<string, Set<Client>>();
  private count = 0;

  add(client: Client): void {
    const staffId = client.staffId;
    if (!staffId) return;
    let set = this.byStaff.get(staffId);
    if (!set) {
      set = new Set();
      this.byStaff.set(staffId, set);
    }
    if (!set.has(client)) {
      set.add(client);
      this.count++;
    }
  }

  remove(client: Client): void {
    const staffId = client.staffId;
    if (!staffId) return;
    const set = this.byStaff.get(staffId);
    if (!set?.delete(client)) return;
    this.count--;
    if (set.size === 0) this.byStaff.delete(staffId);
  }

  clientsOf(staffId: string): ReadonlySet<Client> | undefined {
    return this.byStaff.get(staffId);
  }

  staffIds(): string[] {
    return [...this.byStaff.keys()];
  }

  get connections(): number {
    return this.count;
  }

  get staffCount(): number {
    return this.byStaff.size;
  }

  /** Sends one encoded update frame to every connection of the given staff members here, in order per connection. */
  broadcastToStaff(staffIds: Iterable<string>, frame: string): number {
    let sent = 0;
    for (const staffId of staffIds) {
      const clients = this.byStaff.get(staffId);
      if (!clients) continue;
      for (const client of clients) if (client.sendUpdate(frame)) sent++;
    }
    return sent;
  }
}
