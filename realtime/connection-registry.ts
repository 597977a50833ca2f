/** What the registry needs of a connection: whose it is, and a way to hand it an update frame. */
export interface RegisteredConnection {
  readonly staffId: string | undefined;
  /** Queues an encoded frame behind whatever waits on this connection; false when it could not be sent. */
  sendUpdate(frame: string): boolean;
}

/**
 * Who is connected to this node, by staff member (after centrifuge's hub.go). Only connections that finished
 * authentication are here. Fan-out encodes a frame once and hands the same bytes to every recipient; one
 * socket's failure never stops the others.
 */
export class ConnectionRegistry<Connection extends RegisteredConnection> {
  private readonly byStaff = new Map<string, Set<Connection>>();
  private count = 0;

  add(connection: Connection): void {
    const staffId = connection.staffId;
    if (!staffId) return;
    let set = this.byStaff.get(staffId);
    if (!set) {
      set = new Set();
      this.byStaff.set(staffId, set);
    }
    if (!set.has(connection)) {
      set.add(connection);
      this.count++;
    }
  }

  remove(connection: Connection): void {
    const staffId = connection.staffId;
    if (!staffId) return;
    const set = this.byStaff.get(staffId);
    if (!set?.delete(connection)) return;
    this.count--;
    if (set.size === 0) this.byStaff.delete(staffId);
  }

  connectionsOf(staffId: string): ReadonlySet<Connection> | undefined {
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
      const connections = this.byStaff.get(staffId);
      if (!connections) continue;
      for (const connection of connections) if (connection.sendUpdate(frame)) sent++;
    }
    return sent;
  }
}
