/**
 * Counted slots per key (a dashboard connection, a staff member's WHEP sessions) for session caps. A slot is taken
 * synchronously before any await of a session's setup and released exactly once, when the setup fails or the
 * session closes: concurrent setups can then never exceed the cap, however their awaits interleave.
 */
export class SessionSlots {
  private readonly taken = new Map<string, number>();

  /** Takes a slot of `key` unless `cap` are taken; false when full. */
  tryTake(key: string, cap: number): boolean {
    const count = this.taken.get(key) ?? 0;
    if (count >= cap) return false;
    this.taken.set(key, count + 1);
    return true;
  }

  release(key: string): void {
    const count = this.taken.get(key) ?? 0;
    if (count <= 1) this.taken.delete(key);
    else this.taken.set(key, count - 1);
  }
}
