import type { Sql } from '../../db/client';
import { type StaffMember, stillActiveStaff } from './staff-active';

/** Upper bound of the memo's TTL: no API process trusts an answer longer than the realtime node's staff recheck. */
export const MAX_ACTIVE_STAFF_TTL_MS = 30_000;

/**
 * A process's memory of the "staff still active" rule (`stillActiveStaff`), so the API applies it without a database
 * round trip per request. An answer is trusted for `ttlMs`; a staff change made by this process forgets it at once,
 * so there it takes effect on the next request, and in every other process within `ttlMs`.
 */
export interface ActiveStaffMemo {
  /** The answer when a fresh one is known, else undefined: the hot path, with no promise. */
  known(member: StaffMember): boolean | undefined;
  /**
   * Asks the database (callers asking about the same member at once share one query) and remembers the answer. If
   * the database cannot answer, the last answer stands (nobody can be deactivated while it is down); with none the
   * error is thrown.
   */
  check(sql: Sql, member: StaffMember): Promise<boolean>;
  /** This process just changed the staff member (deactivated, reactivated): the next request asks again. */
  forget(staffId: string): void;
}

interface Answer {
  orgId: string;
  active: boolean;
  checkedAt: number;
}

export function createActiveStaffMemo(
  ttlMs = MAX_ACTIVE_STAFF_TTL_MS,
  maxEntries = 10_000,
  now: () => number = Date.now,
): ActiveStaffMemo {
  if (!(ttlMs >= 0 && ttlMs <= MAX_ACTIVE_STAFF_TTL_MS)) {
    throw new Error(`createActiveStaffMemo: ttlMs must be between 0 and ${MAX_ACTIVE_STAFF_TTL_MS}`);
  }
  const answers = new Map<string, Answer>();
  const asking = new Map<string, Promise<boolean>>();
  /** Bumped by `forget`: a query that started before it may have read the old row, so its answer is not kept. */
  let forgetting = 0;

  const remember = (staffId: string, answer: Answer) => {
    answers.delete(staffId);
    answers.set(staffId, answer);
    if (answers.size > maxEntries) {
      const oldest = answers.keys().next().value;
      if (oldest !== undefined) answers.delete(oldest);
    }
  };

  return {
    known(member) {
      const answer = answers.get(member.staffId);
      if (!answer || answer.orgId !== member.orgId || now() - answer.checkedAt >= ttlMs) return undefined;
      return answer.active;
    },
    check(sql, member) {
      const key = `${member.staffId}:${member.orgId}`;
      const pending = asking.get(key);
      if (pending) return pending;
      const startedAt = now();
      const generation = forgetting;
      const question = stillActiveStaff(sql, [member])
        .then((active) => {
          const answer = active.has(member.staffId);
          if (generation === forgetting)
            remember(member.staffId, { orgId: member.orgId, active: answer, checkedAt: startedAt });
          return answer;
        })
        .catch((error: unknown) => {
          const last = answers.get(member.staffId);
          if (last && last.orgId === member.orgId && generation === forgetting) return last.active;
          throw error;
        })
        .finally(() => {
          if (asking.get(key) === question) asking.delete(key);
        });
      asking.set(key, question);
      return question;
    },
    forget(staffId) {
      forgetting++;
      answers.delete(staffId);
      for (const key of [...asking.keys()]) if (key.startsWith(`${staffId}:`)) asking.delete(key);
    },
  };
}
