import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueAccessToken } from '../../core/auth/access-token';
import { FileMediaStore } from '../../core/media/file-store';
import { raiseAlert } from '../../db/alerts/raise-alert';
import { formatWallClock, MINUTES_PER_DAY, wallClockMinutes } from '../../db/on-call/wall-clock';
import { closeCodes } from '../../realtime/errors';
import { BEARER_PREFIX, PROTOCOL, RESUME_PREFIX } from '../../realtime/protocol';
import { type SeededOrganisation, seedDemoOrganisation } from '../demo-organisation';
import { giveEventMediaConsent, insertMedia, storeMedia, testJpeg } from '../testing/alert-media';
import { request } from '../testing/api-harness';
import { collectPageErrors, launchChromium, screenshot, signInConsole } from '../testing/browser';
import { TEST_JWT_SECRET } from '../testing/functions';
import { injectSosAlert, stopInjectionServers } from '../testing/inject';
import { type EntryPointStack, startEntryPointStack } from '../testing/stack';

describe('staff console in Chromium through nginx over HTTPS', () => {
  let stack: EntryPointStack;
  let browser: Browser;
  let caregiver: { staffId: string; name: string; email: string; orgId: string };
  let seed: SeededOrganisation;
  /** The API's media store: a folder of this file's own. */
  const mediaDir = mkdtempSync(join(tmpdir(), 'carewatch-console-media-'));

  beforeAll(async () => {
    stack = await startEntryPointStack({ functions: { MEDIA_DIR: mediaDir } });
    seed = await seedDemoOrganisation(stack.functions.database.db, {
      orgName: 'Console Centre',
      slug: 'console',
    });
    const login = seed.logins.find((entry) => entry.role === 'caregiver');
    if (!login) throw new Error('seed has no caregiver');
    caregiver = { staffId: login.staffId, name: login.name, email: login.email, orgId: seed.orgId };
    browser = await launchChromium({ trustCertificate: stack.nginx.certificateFile });
  });
  afterAll(async () => {
    await stopInjectionServers();
    await browser?.close();
    await stack?.stop();
    rmSync(mediaDir, { recursive: true, force: true });
  });

  const newPage = async (
    viewport = { width: 1280, height: 860 },
    place: { timezoneId?: string; locale?: string } = {},
  ) => {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, ...place });
    return context.newPage();
  };

  /** A page signed in as the caregiver (the session the login form would store), on the live dashboard. */
  const signedInPage = async (): Promise<Page> => {
    const page = await newPage();
    await signInConsole(page, { ...caregiver, role: 'caregiver' });
    await page.goto(`${stack.nginx.httpsUrl}/`);
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    return page;
  };

  /** Opens an SOS alert told first to the caregiver (their resident), as ingest would; the node pushes it. */
  const raiseSosForCaregiver = async (index: number): Promise<string> => {
    const { sql } = stack.functions.database;
    const [row] = await sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments
       where staff_id = ${caregiver.staffId} and escalation_order = 1 order by resident_id offset ${index} limit 1`;
    if (!row) throw new Error('the caregiver has no resident');
    // Escalation held back, so the only way the alert leaves 'open' is this test's acknowledgement.
    await sql`update escalation_policies set steps = jsonb_set(steps, '{0,waitSeconds}', '3600')
               where org_id = ${seed.orgId} and severity = 'critical'`;
    const raised = await sql.begin((tx) =>
      raiseAlert(tx, {
        orgId: seed.orgId,
        residentId: row.residentId,
        kind: 'sos',
        severity: 'critical',
        dedupKey: `${row.residentId}:sos`,
        title: 'Emergency button pressed',
      }),
    );
    return raised.alertId;
  };

  const alertStatus = async (alertId: string) =>
    (await stack.functions.database.sql<{ status: string }[]>`select status from alerts where id = ${alertId}`)[0]
      ?.status;

  test('an acknowledged alert is not shown acknowledged until the server says so; a retryable error re-sends the ack', async () => {
    const page = await signedInPage();
    const errors = collectPageErrors(page);
    const { sql, url } = stack.functions.database;

    // 1. The server is slow to answer: another transaction holds the alert row, so the ack waits in PostgreSQL.
    const held = await raiseSosForCaregiver(0);
    const item = page.locator(`li.alert[data-alert-id="${held}"]`);
    await item.waitFor({ state: 'visible' });
    const holder = postgres(url, { max: 1, onnotice: () => {} });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const holding = holder.begin(async (tx) => {
      await tx`select 1 from alerts where id = ${held} for update`;
      locked();
      await released;
    });
    try {
      await isLocked;
      await item.locator('.ack').click();
      // The node got the ack and is waiting for the row: only now does "not shown yet" mean anything.
      await expect
        .poll(
          async () =>
            (await sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`)
              .length,
        )
        .toBeGreaterThan(0);
      expect(await item.getAttribute('data-status')).toBe('open');
      expect(await item.getAttribute('data-ack')).toBe('pending');
      expect(await item.locator('.ack').isDisabled()).toBe(true);
      expect(await item.locator('.ack').textContent()).toBe('응답 전송 중…');
      await screenshot(page, 'console-ack-pending');
    } finally {
      release();
      await holding;
      await holder.end();
    }
    await expect.poll(() => item.getAttribute('data-status')).toBe('acknowledged');
    expect(await item.getAttribute('data-ack')).toBe('');
    expect(await alertStatus(held)).toBe('acknowledged');

    // 2. PostgreSQL fails the ack twice as a deadlock victim: the node retries once, then answers a retryable
    // error 1007; the console sends the ack again and shows acknowledged only once it went through.
    await sql.unsafe(`
      create sequence if not exists console_ack_faults;
      create or replace function console_fail_ack() returns trigger language plpgsql as $$
      begin
        if nextval('console_ack_faults') <= 2 then
          raise exception 'deadlock detected (injected by the test)' using errcode = '40P01';
        end if;
        return new;
      end $$;
      create trigger console_fail_ack before update of status on alerts
        for each row when (new.status = 'acknowledged' and old.status = 'open') execute function console_fail_ack();`);
    try {
      const failing = await raiseSosForCaregiver(1);
      const second = page.locator(`li.alert[data-alert-id="${failing}"]`);
      await second.waitFor({ state: 'visible' });
      await second.locator('.ack').click();
      await expect.poll(() => alertStatus(failing), { timeout: 15_000 }).toBe('acknowledged');
      await expect.poll(() => second.getAttribute('data-status')).toBe('acknowledged');
      const [faults] = await sql<{ calls: number }[]>`select last_value::int as calls from console_ack_faults`;
      expect(faults?.calls).toBe(3);
    } finally {
      await sql.unsafe('drop trigger console_fail_ack on alerts');
      // Later tests expect the caregiver's board empty.
      await sql`update alerts set status = 'resolved', resolved_at = now() where org_id = ${seed.orgId}`;
    }
    expect(errors).toEqual([]);
    await page.context().close();
  });

  test('alert kinds read in the console’s language; the history takes notes; resolving records what was found', async () => {
    const page = await signedInPage();
    const errors = collectPageErrors(page);
    const alertId = await raiseSosForCaregiver(0);
    const item = page.locator(`li.alert[data-alert-id="${alertId}"]`);
    await item.waitFor({ state: 'visible' });
    // Raised with an English title; the Korean console shows the kind's Korean label.
    await expect.poll(() => item.locator('.alert-title').textContent()).toBe('응급 호출 버튼');
    // The history: raised, who was told; a note added here joins it.
    await item.locator('details.history summary').click();
    await expect.poll(() => item.locator('.history-entry[data-event="raised"]').count()).toBe(1);
    expect(await item.locator('.history-entry[data-event="told"]').textContent()).toContain('알림 보냄');
    await item.locator('.note-form textarea').fill('보호자에게 전화함');
    await item.locator('.note-form button').click();
    await expect
      .poll(() => item.locator('.history-entry[data-event="note"]').textContent())
      .toContain('보호자에게 전화함');
    await screenshot(page, 'console-alert-history');
    await item.locator('.resolve').click();
    expect(await item.locator('.resolve-outcome option[value="ambulance_119"]').textContent()).toBe('119 출동');
    await item.locator('.resolve-outcome').selectOption('ambulance_119');
    await item.locator('.resolve-form textarea').fill('119 신고, 병원 이송');
    await screenshot(page, 'console-resolve-outcome');
    await item.locator('.resolve-form button[type="submit"]').click();
    await expect
      .poll(
        async () =>
          (
            await stack.functions.database.sql<{ status: string; outcome: string; note: string }[]>`
              select status, resolution_outcome as outcome, resolution_note as note from alerts where id = ${alertId}`
          )[0],
      )
      .toEqual({ status: 'resolved', outcome: 'ambulance_119', note: '119 신고, 병원 이송' });
    expect(errors).toEqual([]);
    await page.context().close();
  });

  test('managers see how fast alerts were answered: chart, table and CSV; caregivers have no report button', async () => {
    const carerPage = await signedInPage();
    expect(await carerPage.locator('#reports-button').isHidden()).toBe(true);
    await carerPage.context().close();

    const manager = seed.logins.find((entry) => entry.role === 'manager');
    if (!manager) throw new Error('seed has no manager');
    const page = await newPage();
    const errors = collectPageErrors(page);
    await signInConsole(page, { staffId: manager.staffId, orgId: seed.orgId, name: manager.name, role: 'manager' });
    await page.goto(`${stack.nginx.httpsUrl}/`);
    await page.locator('#reports-button').click();
    // This file's alerts: acknowledged and resolved a moment after they opened, so all within 60 s.
    await expect.poll(() => page.locator('#report-rows tr').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const bars = page.locator('#report-chart rect');
    expect(await bars.count()).toBeGreaterThanOrEqual(2);
    expect(Number(await bars.first().getAttribute('data-pct'))).toBeGreaterThan(0);
    expect(await page.locator('#report-rows tr').first().locator('td').nth(1).textContent()).toBe('긴급');
    await screenshot(page, 'console-response-report');
    // Per team, named: the caregiver's team, told of this file's SOS alerts.
    const { sql } = stack.functions.database;
    const [team] = await sql<{ id: string }[]>`
      insert into teams (org_id, name) values (${seed.orgId}, '주간 상황실') returning id`;
    await sql`insert into on_call_rotations (org_id, team_id, name, participant_ids, starts_at)
              values (${seed.orgId}, ${team?.id ?? ''}, '주간', ${[caregiver.staffId]}, '2026-01-05 09:00')`;
    await page.locator('#report-grouping').selectOption('team');
    await expect.poll(() => page.locator('#report-group-header').textContent()).toBe('팀');
    await expect
      .poll(() => page.locator('#report-rows tr').first().locator('td').first().textContent())
      .toBe('주간 상황실');
    expect(await page.locator('#report-chart text').first().textContent()).toBe('주간 상황실');
    expect(
      await page.locator('#report-grouping option').evaluateAll((options) => options.map((o) => o.textContent)),
    ).toEqual(['월별', '주별', '팀별']);
    await page.locator('#report-grouping').selectOption('month');
    await expect.poll(() => page.locator('#report-group-header').textContent()).toBe('기간');
    const download = page.waitForEvent('download');
    await page.locator('#report-csv').click();
    const file = await download;
    const csv = await (await file.createReadStream()).toArray();
    expect(Buffer.concat(csv).toString('utf8')).toMatch(/^group,groupName,severity,alerts,/);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  test('admins edit the escalation ladders and settings (refusals shown, nothing changed); managers only read them', async () => {
    const { sql } = stack.functions.database;
    const admin = seed.logins.find((entry) => entry.role === 'admin');
    const manager = seed.logins.find((entry) => entry.role === 'manager');
    if (!admin || !manager) throw new Error('seed has no admin or manager');
    const page = await newPage();
    const errors = collectPageErrors(page);
    await signInConsole(page, { staffId: admin.staffId, orgId: seed.orgId, name: admin.name, role: 'admin' });
    await page.goto(`${stack.nginx.httpsUrl}/`);
    await page.locator('#settings-button').click();
    const critical = page.locator('form.ladder[data-severity="critical"]');
    await expect.poll(() => critical.locator('.ladder-step').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const ladderOf = async () =>
      (
        await sql<{ steps: { waitSeconds: number }[] }[]>`
          select steps from escalation_policies where org_id = ${seed.orgId} and severity = 'critical'`
      )[0]?.steps;
    const before = await ladderOf();

    // A wait out of range the browser's own form check stops; a ladder with no step the API refuses, and says why.
    await critical.locator('.ladder-step').first().locator('[name="waitSeconds"]').fill('0');
    await critical.locator('button[type="submit"]').click();
    expect(await critical.locator('.ladder-step').first().locator('[name="waitSeconds"]:invalid').count()).toBe(1);
    while ((await critical.locator('.ladder-step').count()) > 0) {
      await critical.locator('.ladder-step').first().locator('button').click();
    }
    await critical.locator('button[type="submit"]').click();
    await expect
      .poll(() => critical.locator('.ladder-status').textContent())
      .toContain('steps: needs at least one step');
    expect(await ladderOf()).toEqual(before);

    await page.locator('#settings-close').click();
    await page.locator('#settings-button').click();
    await expect.poll(() => critical.locator('.ladder-step').count()).toBeGreaterThan(0);
    await critical.locator('.ladder-step').first().locator('[name="waitSeconds"]').fill('45');
    await critical.locator('button[type="submit"]').click();
    await expect.poll(async () => (await ladderOf())?.[0]?.waitSeconds).toBe(45);

    await page.locator('#settings-form [name="timeZone"]').fill('Europe/London');
    await page.locator('#settings-form [name="hubOfflineMinutes"]').fill('15');
    await page.locator('#settings-form button[type="submit"]').click();
    await expect
      .poll(
        async () =>
          (
            await sql<
              { settings: Record<string, unknown> }[]
            >`select settings from organisations where id = ${seed.orgId}`
          )[0]?.settings,
      )
      .toMatchObject({ timeZone: 'Europe/London', hubOfflineMinutes: 15 });
    await screenshot(page, 'console-organisation-settings');
    await page.locator('#settings-form [name="timeZone"]').fill('Asia/Seoul');
    await page.locator('#settings-form button[type="submit"]').click();
    await expect.poll(() => page.locator('#settings-status').textContent()).toBe('저장했습니다.');
    // The one refusal this test asked for is the browser's only complaint.
    expect(errors).toEqual([
      'console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)',
    ]);
    await page.context().close();

    const readOnly = await newPage();
    await signInConsole(readOnly, { staffId: manager.staffId, orgId: seed.orgId, name: manager.name, role: 'manager' });
    await readOnly.goto(`${stack.nginx.httpsUrl}/`);
    await readOnly.locator('#settings-button').click();
    const managerLadder = readOnly.locator('form.ladder[data-severity="critical"]');
    await expect.poll(() => managerLadder.locator('.ladder-step').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await managerLadder.locator('[name="waitSeconds"]').first().isDisabled()).toBe(true);
    expect(await managerLadder.locator('button[type="submit"]').count()).toBe(0);
    expect(await readOnly.locator('#settings-form [name="timeZone"]').isDisabled()).toBe(true);
    // Signing out leaves none of it on screen for the next person.
    await readOnly.locator('#logout').click();
    for (const id of ['#settings-button', '#settings-panel', '#reports-button', '#reports-panel']) {
      expect(await readOnly.locator(id).isHidden(), id).toBe(true);
    }
    await readOnly.context().close();
  });

  test('the console speaks the same WebSocket protocol constants as the realtime node', async () => {
    const consoleProtocol = (await import(pathToFileURL('infra/console/assets/protocol.js').href)) as {
      PROTOCOL: string;
      BEARER_PREFIX: string;
      RESUME_PREFIX: string;
      DRAINING_CLOSE: number;
    };
    expect(consoleProtocol).toMatchObject({
      PROTOCOL,
      BEARER_PREFIX,
      RESUME_PREFIX,
      DRAINING_CLOSE: closeCodes.draining,
    });
  });

  test('login page: Korean by default, English on the toggle (kept across reloads), no errors or CSP violations', async () => {
    const page = await newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${stack.nginx.httpsUrl}/`);
    await expect.poll(() => page.locator('#login-title').textContent()).toBe('직원 로그인');
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    await screenshot(page, 'console-login-ko');

    await page.click('#language');
    expect(await page.locator('#login-title').textContent()).toBe('Staff sign-in');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.reload();
    await expect.poll(() => page.locator('#login-title').textContent()).toBe('Staff sign-in');
    await screenshot(page, 'console-login-en');
    await page.click('#language');
    expect(await page.locator('#login-title').textContent()).toBe('직원 로그인');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  test('login form works from the keyboard alone and reports a failed sign-in where a screen reader hears it', async () => {
    const page = await newPage({ width: 390, height: 844 });
    await page.goto(`${stack.nginx.httpsUrl}/`);
    await page.focus('#email');
    const order: string[] = [];
    for (let step = 0; step < 3; step++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''));
    }
    expect(order).toEqual(['password', 'SUMMARY', 'login-submit']);
    await page.focus('#email');
    await page.keyboard.type('nobody@console.carewatch.test');
    await page.keyboard.press('Tab');
    await page.keyboard.type('definitely-wrong');
    await page.keyboard.press('Enter');
    const error = page.locator('#login-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.getAttribute('role')).toBe('alert');
    expect((await error.textContent())?.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    await screenshot(page, 'console-login-failed-mobile');
    await page.context().close();
  });

  test('signed in with no data yet: dashboard with an empty alert list and a visible connection state', async () => {
    const { token, expiresAt } = await issueAccessToken(
      { staffId: caregiver.staffId, orgId: caregiver.orgId, role: 'caregiver' },
      TEST_JWT_SECRET,
    );
    for (const [name, viewport] of [
      ['console-dashboard-empty', { width: 1280, height: 860 }],
      ['console-dashboard-empty-mobile', { width: 390, height: 844 }],
    ] as const) {
      const page = await newPage(viewport);
      const session = {
        accessToken: token,
        refreshToken: 'not-used-in-this-test',
        expiresAt: expiresAt * 1000,
        staff: { id: caregiver.staffId, orgId: caregiver.orgId, name: caregiver.name, role: 'caregiver' },
      };
      await page.addInitScript((value) => sessionStorage.setItem('carewatch.session', value), JSON.stringify(session));
      await page.goto(`${stack.nginx.httpsUrl}/`);
      await page.locator('#dashboard-view').waitFor({ state: 'visible' });
      expect(await page.locator('#login-view').isHidden()).toBe(true);
      expect(await page.locator('#who').textContent()).toBe(caregiver.name);
      expect(await page.locator('#alerts-empty').textContent()).toBe('열린 알림이 없습니다.');
      const state = await page.locator('#connection').getAttribute('data-state');
      expect(['connecting', 'live', 'reconnecting']).toContain(state);
      expect((await page.locator('#connection-text').textContent())?.length).toBeGreaterThan(0);
      await screenshot(page, name);
      await page.context().close();
    }
  });

  test('an acknowledged alert re-triggered by a second SOS sounds again and can be acknowledged again', async () => {
    const { token, expiresAt } = await issueAccessToken(
      { staffId: caregiver.staffId, orgId: caregiver.orgId, role: 'caregiver' },
      TEST_JWT_SECRET,
    );
    const page = await newPage();
    const errors = collectPageErrors(page);
    const session = {
      accessToken: token,
      refreshToken: 'not-used-in-this-test',
      expiresAt: expiresAt * 1000,
      staff: { id: caregiver.staffId, orgId: caregiver.orgId, name: caregiver.name, role: 'caregiver' },
    };
    await page.addInitScript((value) => {
      sessionStorage.setItem('carewatch.session', value);
      // Every alarm also vibrates (alarm.js): counting vibrations counts alarms, with or without an audio device.
      const alarms: unknown[] = [];
      Object.assign(window, { alarms });
      Object.defineProperty(navigator, 'vibrate', {
        configurable: true,
        value: (pattern: unknown) => alarms.push(pattern) > 0,
      });
    }, JSON.stringify(session));
    await page.goto(`${stack.nginx.httpsUrl}/`);
    await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
    const alarms = () => page.evaluate(() => (window as unknown as { alarms: unknown[] }).alarms.length);

    const [assignment] = await stack.functions.database.sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments where staff_id = ${caregiver.staffId} and escalation_order = 1
       limit 1`;
    if (!assignment) throw new Error('the caregiver has no resident');
    const target = { databaseUrl: stack.functions.database.url, org: seed, residentId: assignment.residentId };
    const { alertId } = await injectSosAlert(target);
    const card = page.locator(`li[data-alert-id="${alertId}"]`);
    await expect.poll(() => card.getAttribute('data-status')).toBe('open');
    await expect.poll(alarms).toBe(1);

    await card.locator('.ack').click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('acknowledged');
    const acknowledgedDelivery = await card.getAttribute('data-delivery-id');

    const again = await injectSosAlert(target);
    expect(again).toMatchObject({ alertId, created: false });
    await expect.poll(() => card.getAttribute('data-status')).toBe('open');
    await expect.poll(alarms).toBe(2);
    expect(await card.getAttribute('data-delivery-id')).not.toBe(acknowledgedDelivery);
    expect(await card.locator('.ack').isEnabled()).toBe(true);
    await screenshot(page, 'console-alert-retriggered');

    await card.locator('.ack').click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('acknowledged');
    await expect
      .poll(
        async () =>
          (await stack.functions.database.sql<{ status: string }[]>`select status from alerts where id = ${alertId}`)[0]
            ?.status,
      )
      .toBe('acknowledged');
    expect(errors).toEqual([]);
    await page.context().close();
  });

  test('every role sees who is on call now or at a time; a manager’s override wins; an admin names the team in a ladder', async () => {
    const loginOf = (role: string, index = 0) => {
      const login = seed.logins.filter((entry) => entry.role === role)[index];
      if (!login) throw new Error(`seed has no ${role} ${index}`);
      return { staffId: login.staffId, orgId: seed.orgId, name: login.name, role: login.role };
    };
    const [admin, manager, kim, lee] = [
      loginOf('admin'),
      loginOf('manager'),
      loginOf('caregiver'),
      loginOf('caregiver', 1),
    ];
    const { token } = await issueAccessToken(
      { staffId: admin.staffId, orgId: seed.orgId, role: 'admin' },
      TEST_JWT_SECRET,
    );
    const asAdmin = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const answer = await request<T>(stack.functions.server.url, method, path, { token, body });
      if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };
    // The browser reads typed times in New York, the organisation keeps Seoul's clock: the offset sent carries it.
    const browserZone = 'America/New_York';
    const place = { timezoneId: browserZone, locale: 'ko-KR' };
    const { timeZone } = await asAdmin<{ timeZone: string }>('GET', '/v1/on-call');
    const wall = (at: Date, zone: string) => formatWallClock(wallClockMinutes(at, zone));
    const today = Math.floor(wallClockMinutes(new Date(), timeZone) / MINUTES_PER_DAY) * MINUTES_PER_DAY;
    const dayOf = (minutes: number, language = 'en-GB') =>
      new Intl.DateTimeFormat(language, { weekday: 'short', timeZone: 'UTC' }).format(new Date(minutes * 60_000));
    const code = (minutes: number) => dayOf(minutes).toLowerCase().slice(0, 3);

    // Kim's turn covers today and tomorrow on the organisation's clock, whole days: on shift whenever this runs,
    // and nobody on call three days on.
    const team = await asAdmin<{ id: string }>('POST', '/v1/teams', { name: '야간 당직' });
    await asAdmin('POST', `/v1/teams/${team.id}/rotations`, {
      name: 'Weekly',
      participantIds: [kim.staffId],
      startsAt: formatWallClock(today - 7 * MINUTES_PER_DAY),
      shifts: [0, 1].map((days) => ({
        day: code(today + days * MINUTES_PER_DAY),
        start: '00:00',
        end: '00:00',
        endsNextDay: true,
      })),
    });

    const carer = await newPage(undefined, place);
    await signInConsole(carer, kim);
    await carer.goto(`${stack.nginx.httpsUrl}/`);
    await carer.locator('#oncall-button').click();
    const card = (page: Page) => page.locator(`.oncall-team[data-team-id="${team.id}"]`);
    const kimRow = card(carer).locator(`.oncall-person[data-staff-id="${kim.staffId}"]`);
    await expect.poll(() => kimRow.locator('.oncall-name').textContent()).toBe(kim.name);
    expect(await kimRow.locator('.oncall-via').textContent()).toBe('생활지원사 · 순번: Weekly');
    const gap = `당직 없음: ${dayOf(today + 2 * MINUTES_PER_DAY, 'ko-KR')} 00:00 – ${dayOf(today, 'ko-KR')} 00:00`;
    expect(await card(carer).locator('.oncall-gaps li').allTextContents()).toEqual([gap]);
    expect(await carer.locator('#overrides').isHidden()).toBe(true);

    const later = new Date(Date.now() + 3 * 86_400_000);
    const asked = carer.waitForRequest((sent) => sent.url().includes('/v1/on-call?at='));
    await carer.locator('#oncall-at').fill(wall(later, browserZone));
    await carer.locator('#oncall-when button[type="submit"]').click();
    const at = new URL((await asked).url()).searchParams.get('at') ?? '';
    expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00[+-]\d\d:\d\d$/);
    expect(wall(new Date(at), timeZone)).toBe(wall(later, timeZone));
    await expect.poll(() => card(carer).locator('.oncall-nobody').textContent()).toBe('이 시각에는 당직자가 없습니다.');
    expect(await carer.locator('#oncall-clock').textContent()).toContain(
      `기관 시각 ${wall(later, timeZone).slice(0, 10)}`,
    );
    await screenshot(carer, 'console-on-call-carer-at-time');
    await carer.context().close();

    const page = await newPage(undefined, place);
    const errors = collectPageErrors(page);
    await signInConsole(page, manager);
    await page.goto(`${stack.nginx.httpsUrl}/`);
    await page.locator('#oncall-button').click();
    const form = page.locator('#override-form');
    await expect.poll(() => form.locator('[name="staffId"] option').count()).toBeGreaterThan(0);
    await form.locator('[name="staffId"]').selectOption(lee.staffId);
    await form.locator('[name="replacesStaffId"]').selectOption(kim.staffId);
    // An end before the start: refused with the field, as the form names it, and the reason; nothing stored.
    await form.locator('[name="startsAt"]').fill(wall(new Date(Date.now() + 3_600_000), browserZone));
    await form.locator('[name="endsAt"]').fill(wall(new Date(Date.now() - 300_000), browserZone));
    await form.locator('button[type="submit"]').click();
    await expect
      .poll(() => page.locator('#override-status').textContent())
      .toBe('끝: the override ends before it starts');
    expect(await form.locator('[name="endsAt"]').getAttribute('aria-invalid')).toBe('true');
    await form.locator('[name="startsAt"]').fill(wall(new Date(Date.now() - 300_000), browserZone));
    await form.locator('[name="endsAt"]').fill(wall(new Date(Date.now() + 2 * 3_600_000), browserZone));
    await form.locator('[name="reason"]').fill('병가');
    await form.locator('button[type="submit"]').click();
    const leeRow = card(page).locator(`.oncall-person[data-staff-id="${lee.staffId}"]`);
    await expect.poll(() => leeRow.getAttribute('data-via')).toBe('override');
    expect(await leeRow.locator('.oncall-name').textContent()).toBe(lee.name);
    expect(await leeRow.locator('.oncall-via').textContent()).toBe(`생활지원사 · 대체 근무 · ${kim.name} 대신`);
    expect(await card(page).locator('.oncall-person').count()).toBe(1);
    const now = await asAdmin<{ teams: { id: string; onCall: { staffId: string }[] }[] }>('GET', '/v1/on-call');
    expect(now.teams.find((entry) => entry.id === team.id)?.onCall.map((entry) => entry.staffId)).toEqual([
      lee.staffId,
    ]);
    expect(await page.locator('#override-list .override').count()).toBe(1);
    await screenshot(page, 'console-on-call-ko');
    await page.locator('#language').click();
    await expect
      .poll(() => leeRow.locator('.oncall-via').textContent())
      .toBe(`Carer · override · standing in for ${kim.name}`);
    expect(await page.locator('#override-status').textContent()).toBe('Override added.');
    await screenshot(page, 'console-on-call-en');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'console-on-call-mobile');
    await page.locator('#language').click();

    await page.locator('#override-list .override button').click();
    await expect.poll(() => card(page).locator('.oncall-person').getAttribute('data-staff-id')).toBe(kim.staffId);
    expect(errors).toEqual([
      'console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)',
    ]);
    await page.locator('#logout').click();
    for (const id of ['#oncall-button', '#oncall-panel']) expect(await page.locator(id).isHidden(), id).toBe(true);
    await page.context().close();

    // An admin adds a step telling the team's on-call to the low ladder; the API stores the team.
    const adminPage = await newPage();
    await signInConsole(adminPage, admin);
    await adminPage.goto(`${stack.nginx.httpsUrl}/`);
    await adminPage.locator('#settings-button').click();
    const low = adminPage.locator('form.ladder[data-severity="low"]');
    await expect.poll(() => low.locator('.ladder-step').count()).toBeGreaterThan(0);
    await low.getByRole('button', { name: '단계 추가' }).click();
    const step = low.locator('.ladder-step').last();
    expect(await step.locator('[name="teamId"]').isHidden()).toBe(true);
    await step.locator('[name="notify"]').selectOption('on_call');
    expect(await step.locator('[name="order"]').isHidden()).toBe(true);
    await step.locator('[name="teamId"]').selectOption(team.id);
    await low.locator('button[type="submit"]').click();
    await expect.poll(() => low.locator('.ladder-status').textContent()).toBe('저장했습니다.');
    const { policies } = await asAdmin<{ policies: { severity: string; steps: unknown[] }[] }>(
      'GET',
      '/v1/escalation-policies',
    );
    expect(policies.find((policy) => policy.severity === 'low')?.steps.at(-1)).toEqual({
      notify: 'on_call',
      teamId: team.id,
      waitSeconds: 120,
    });
    expect(await low.locator('.ladder-step').last().locator('[name="teamId"]').inputValue()).toBe(team.id);
    await screenshot(adminPage, 'console-ladder-on-call-ko');
    await adminPage.locator('#language').click();
    await adminPage.locator('#settings-close').click();
    await adminPage.locator('#settings-button').click();
    await expect
      .poll(() => low.locator('.ladder-step').last().locator('[name="notify"] option:checked').textContent())
      .toBe('On-call of team');
    await screenshot(adminPage, 'console-ladder-on-call-en');
    await adminPage.context().close();
  });
  test('the alert card shows the snapshot a camera stored, and a failed clip with its reason', async () => {
    const { sql } = stack.functions.database;
    const [row] = await sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments
       where staff_id = ${caregiver.staffId} and escalation_order = 1 order by resident_id offset 1 limit 1`;
    const residentId = row?.residentId ?? '';
    await sql`update escalation_policies set steps = jsonb_set(steps, '{0,waitSeconds}', '3600')
               where org_id = ${seed.orgId} and severity = 'critical'`;
    const [camera] = await sql<{ id: string }[]>`
      insert into cameras (org_id, resident_id, name, source) values
        (${seed.orgId}, ${residentId}, 'Bathroom camera', ${sql.json({ type: 'test-pattern' })}) returning id`;
    await giveEventMediaConsent(sql, camera?.id ?? '');
    // The stack's realtime node captures for real: with no kind configured it leaves this alert's media to the
    // fixtures below (otherwise its own claim races theirs for the same rows).
    await sql`update organisations set settings = settings || ${sql.json({ eventMediaKinds: {} })} where id = ${seed.orgId}`;
    const page = await signedInPage();
    const errors = collectPageErrors(page);
    const { alertId } = await sql.begin((tx) =>
      raiseAlert(tx, {
        orgId: seed.orgId,
        residentId,
        kind: 'fall',
        severity: 'critical',
        dedupKey: `${residentId}:fall`,
        title: 'Fall detected',
      }),
    );
    const jpeg = testJpeg();
    const base = { orgId: seed.orgId, alertId, residentId, cameraId: camera?.id ?? '' };
    await storeMedia(sql, new FileMediaStore(mediaDir, 0), { ...base, kind: 'snapshot' }, jpeg);
    await insertMedia(sql, { ...base, kind: 'clip', state: 'failed', error: 'no keyframe yet' });
    const item = page.locator(`li.alert[data-alert-id="${alertId}"]`);
    await item.waitFor({ state: 'visible' });
    await item.locator('details.media summary').click();
    const image = item.locator('img.media-snapshot');
    await image.waitFor({ state: 'visible' });
    // The picture decoded: the JPEG came through the bearer-token fetch, shown from a blob URL the CSP allows.
    await expect.poll(() => image.evaluate((element: HTMLImageElement) => element.naturalWidth)).toBe(320);
    expect(await image.getAttribute('src')).toMatch(/^blob:/);
    expect(await item.locator('.media-item[data-kind="clip"] .media-note').textContent()).toBe('실패: no keyframe yet');
    const [view] = await sql<{ details: Record<string, unknown> }[]>`
      select details from audit_log where action = 'alert.media.view' and target_id = ${alertId}`;
    expect(view?.details).toMatchObject({ kind: 'snapshot', basis: 'open-alert' });
    await screenshot(page, 'console-alert-media');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
