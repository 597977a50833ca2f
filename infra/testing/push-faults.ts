// Scripted misbehaviour for the test push service, so a sender's retries, back-off and timeouts meet the answers
// real push services give: 5xx, 429 with Retry-After, slow responses, requests never answered.

/** One scripted answer: a status (with optional headers and body), or 'hang' to never answer that request. */
export type ScriptedAnswer = number | { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface Faults {
  /** Answered in order, one per request and instead of handling it; then requests are handled normally again. */
  answers?: readonly ScriptedAnswer[];
  /** Every answer (scripted or real) waits this long first. */
  delayMs?: number;
  /** Never answer any request while set; close() ends such requests. */
  hang?: boolean;
}

/** The faults of one scope (the whole service, or one subscription). */
export class FaultScript {
  private answers: readonly ScriptedAnswer[] = [];
  private nextAnswer = 0;
  delayMs: number | undefined;
  hang = false;

  /** Replaces the whole script: faults not named are cleared. */
  set(faults: Faults): void {
    this.answers = [...(faults.answers ?? [])];
    this.nextAnswer = 0;
    this.delayMs = faults.delayMs;
    this.hang = faults.hang ?? false;
  }

  /** The next scripted answer, consumed; undefined when the script has run out. */
  take(): ScriptedAnswer | undefined {
    if (this.nextAnswer >= this.answers.length) return undefined;
    return this.answers[this.nextAnswer++];
  }
}
