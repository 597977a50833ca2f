import { describe, expect, test } from 'vitest';
import type { Sql } from '../../db/client';
import { createActiveStaffMemo } from './active-staff-memo';
import type { StaffMember } from './staff-active';

/**
 * Stands in for PostgreSQL: answers the rule's one query from `active` (staff id → organisation), counting queries;
 * `hold` keeps the next answers back until released.
 */
function fakeDatabase() {
  const active = new Map<string, string>();
  let queries = 0;
  let failing = false;
  let gate: Promise<void> | null = null;
  const sql = (async (_strings: TemplateStringsArray, staffIds: string[], orgIds: string[]) => {
    queries++;
    const asked = staffIds.map((staffId, index) => ({ staffId, orgId: orgIds[index] }));
    // The rows of activeStaffSequences: the position of each member who passes, with their last sequence.
    const answer = asked.flatMap((member, index) =>
      active.get(member.staffId) === member.orgId ? [{ index, seq: '0' }] : [],
    );
    await gate;
    if (failing) throw new Error('connection refused');
    return answer;
  }) as unknown as Sql;
  return {
    sql,
    active,
    queries: () => queries,
    fail: (on: boolean) => {
      failing = on;
    },
    hold() {
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = () => {
          gate = null;
          resolve();
        };
      });
      return release;
    },
  };
}

const ann: StaffMember = { staffId: 'a1', orgId: 'north' };

describe('ActiveStaffMemo', () => {
  test('asks once, then answers from memory until the TTL runs out', async () => {
    let clock = 1_000;
    const database = fakeDatabase();
    database.active.set('a1', 'north');
    const memo = createActiveStaffMemo(30_000, 100, () => clock);
    expect(memo.known(ann)).toBeUndefined();
    expect(await memo.check(database.sql, ann)).toBe(true);
    expect(memo.known(ann)).toBe(true);
    database.active.delete('a1');
    clock += 29_999;
    expect(memo.known(ann)).toBe(true);
    clock += 1;
    expect(memo.known(ann)).toBeUndefined();
    expect(await memo.check(database.sql, ann)).toBe(false);
    expect(memo.known(ann)).toBe(false);
    expect(database.queries()).toBe(2);
  });

  test('forget makes the next request ask at once, and an answer read before it is not kept', async () => {
    const database = fakeDatabase();
    database.active.set('a1', 'north');
    const memo = createActiveStaffMemo(30_000, 100, () => 0);
    const release = database.hold();
    const before = memo.check(database.sql, ann);
    database.active.delete('a1');
    memo.forget('a1');
    release();
    expect(await before).toBe(true);
    expect(memo.known(ann)).toBeUndefined();
    expect(await memo.check(database.sql, ann)).toBe(false);
  });

  test('callers asking at once share one query; another organisation is another question', async () => {
    const database = fakeDatabase();
    database.active.set('a1', 'north');
    const memo = createActiveStaffMemo(30_000, 100, () => 0);
    const answers = await Promise.all([memo.check(database.sql, ann), memo.check(database.sql, ann)]);
    expect(answers).toEqual([true, true]);
    expect(database.queries()).toBe(1);
    expect(memo.known({ staffId: 'a1', orgId: 'south' })).toBeUndefined();
    expect(await memo.check(database.sql, { staffId: 'a1', orgId: 'south' })).toBe(false);
  });

  test('a database that cannot answer keeps the last answer; with none, the error is thrown', async () => {
    let clock = 0;
    const database = fakeDatabase();
    database.active.set('a1', 'north');
    const memo = createActiveStaffMemo(1_000, 100, () => clock);
    expect(await memo.check(database.sql, ann)).toBe(true);
    clock += 5_000;
    database.fail(true);
    expect(await memo.check(database.sql, ann)).toBe(true);
    await expect(memo.check(database.sql, { staffId: 'b2', orgId: 'north' })).rejects.toThrow('connection refused');
  });

  test('a TTL beyond the realtime staff recheck is refused', () => {
    expect(() => createActiveStaffMemo(30_001)).toThrow(/between 0 and 30000/);
  });
});
