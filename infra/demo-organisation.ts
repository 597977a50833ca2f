import { eq } from 'drizzle-orm';
import { hubKeyFrom } from '../core/auth/hub-key';
import { hashPassword } from '../core/auth/password';
import type { Database } from '../db/client';
import { defaultEscalationPolicies } from '../db/defaults';
import {
  assignments,
  cameras,
  devices,
  escalationPolicies,
  hubs,
  organisations,
  residents,
  staff,
  type staffRole,
} from '../db/schema';

type Role = (typeof staffRole.enumValues)[number];

export interface SeedOptions {
  /** Organisation name; seeding is skipped when one with this name exists (so restarts keep data). */
  orgName?: string;
  /** Prefix for staff emails and hub keys, so two seeded organisations never collide. */
  slug?: string;
  residents?: number;
}

export interface SeededOrganisation {
  orgId: string;
  created: boolean;
  /** Demo logins (email → password) — demo data only. */
  logins: { email: string; password: string; role: Role; staffId: string; name: string }[];
  residents: { id: string; name: string }[];
  /** Hub API keys are deterministic for the demo so every start can print them. */
  hubs: { id: string; residentId: string; apiKey: string; devices: Record<string, string> }[];
  cameraId: string;
}

export const DEMO_PASSWORD = 'carewatch-demo';

const demoResidents = ['김순자', '이영호', '박말순', '최옥자', '정복남', '강금순', '조영자', '윤정희'];
const deviceKinds = [
  'activity',
  'door',
  'fire',
  'gas',
  'emergency_button',
  'fall_detector',
  'heart_rate',
  'breathing',
] as const;

/**
 * Creates a demo care centre: an admin, a manager and two caregivers (known password), residents split between
 * the caregivers, one hub per resident with a full sensor kit, a consented test-pattern camera, and the default
 * escalation policies. Idempotent by organisation name.
 */
export async function seedDemoOrganisation(db: Database, options: SeedOptions = {}): Promise<SeededOrganisation> {
  const orgName = options.orgName ?? 'CareWatch Demo Centre';
  const slug = options.slug ?? 'demo';
  const residentCount = options.residents ?? 4;

  const existing = await db.query.organisations.findFirst({ where: eq(organisations.name, orgName) });
  if (existing) return describe(db, existing.id, slug, false);

  const passwordHash = await hashPassword(DEMO_PASSWORD);
  await db.transaction(async (tx) => {
    const [org] = await tx
      .insert(organisations)
      .values({
        name: orgName,
        settings: { timeZone: 'Asia/Seoul', nightHours: { start: 23, end: 6 }, hubOfflineMinutes: 30 },
      })
      .returning();
    if (!org) throw new Error('organisation insert returned nothing');
    await tx.insert(escalationPolicies).values(
      Object.entries(defaultEscalationPolicies).map(([severity, policy]) => ({
        orgId: org.id,
        severity: severity as keyof typeof defaultEscalationPolicies,
        steps: policy.steps,
        repeat: policy.repeat,
      })),
    );
    const people = await tx
      .insert(staff)
      .values([
        { orgId: org.id, name: '관리자 Admin', email: `admin@${slug}.carewatch.test`, role: 'admin', passwordHash },
        {
          orgId: org.id,
          name: '센터장 Manager',
          email: `manager@${slug}.carewatch.test`,
          role: 'manager',
          passwordHash,
        },
        {
          orgId: org.id,
          name: '생활지원사 Kim',
          email: `carer1@${slug}.carewatch.test`,
          role: 'caregiver',
          passwordHash,
        },
        {
          orgId: org.id,
          name: '생활지원사 Lee',
          email: `carer2@${slug}.carewatch.test`,
          role: 'caregiver',
          passwordHash,
        },
      ])
      .returning();
    const carers = people.filter((person) => person.role === 'caregiver');
    const created = await tx
      .insert(residents)
      .values(
        Array.from({ length: residentCount }, (_, index) => ({
          orgId: org.id,
          name: demoResidents[index % demoResidents.length] ?? `Resident ${index + 1}`,
          birthDate: `19${38 + (index % 12)}-0${1 + (index % 9)}-15`,
          sex: index % 2 === 0 ? ('female' as const) : ('male' as const),
          address: `서울특별시 노원구 상계로 ${10 + index}길`,
          phone: `010-5555-${String(1000 + index).padStart(4, '0')}`,
          emergencyContacts: [{ name: '보호자', relation: 'child', phone: '010-7777-0000', guardian: true }],
          careNotes: 'Demo resident.',
          lastActivityAt: new Date(),
        })),
      )
      .returning();
    for (const [index, resident] of created.entries()) {
      const primary = carers[index % carers.length];
      const backup = carers[(index + 1) % carers.length];
      if (!primary || !backup) throw new Error('demo needs caregivers');
      await tx.insert(assignments).values([
        { orgId: org.id, staffId: primary.id, residentId: resident.id, escalationOrder: 1 },
        { orgId: org.id, staffId: backup.id, residentId: resident.id, escalationOrder: 2 },
      ]);
      const key = await hubKeyFrom(demoHubKey(slug, index));
      const [hub] = await tx
        .insert(hubs)
        .values({
          orgId: org.id,
          residentId: resident.id,
          name: `Hub ${index + 1}`,
          apiKeyPrefix: key.prefix,
          apiKeyHash: key.hash,
          firmware: '1.0.0',
          powerState: 'mains',
          lastSeenAt: new Date(),
        })
        .returning();
      if (!hub) throw new Error('hub insert returned nothing');
      await tx
        .insert(devices)
        .values(
          deviceKinds.map((kind) => ({ orgId: org.id, hubId: hub.id, kind, room: roomFor(kind), batteryPct: 90 })),
        );
    }
    const first = created[0];
    const admin = people.find((person) => person.role === 'admin');
    if (first && admin) {
      await tx.insert(cameras).values({
        orgId: org.id,
        residentId: first.id,
        name: 'Living room camera',
        room: 'living room',
        source: { type: 'test-pattern', width: 640, height: 480, fps: 30, gopSeconds: 5 },
        consentGivenBy: `${first.name} (resident)`,
        consentRecordedBy: admin.id,
        consentRecordedAt: new Date(),
      });
    }
  });
  const org = await db.query.organisations.findFirst({ where: eq(organisations.name, orgName) });
  if (!org) throw new Error('seeded organisation vanished');
  return describe(db, org.id, slug, true);
}

export function demoHubKey(slug: string, index: number): string {
  return `cwh_${slug}_hub_${index + 1}_demo_key_not_secret`;
}

function roomFor(kind: (typeof deviceKinds)[number]): string {
  if (kind === 'door') return 'entrance';
  if (kind === 'fire' || kind === 'gas') return 'kitchen';
  if (kind === 'heart_rate' || kind === 'breathing') return 'bedroom';
  if (kind === 'fall_detector') return 'bathroom';
  return 'living room';
}

async function describe(db: Database, orgId: string, slug: string, created: boolean): Promise<SeededOrganisation> {
  const people = await db.query.staff.findMany({ where: eq(staff.orgId, orgId), orderBy: staff.email });
  const residentRows = await db.query.residents.findMany({
    where: eq(residents.orgId, orgId),
    orderBy: residents.createdAt,
  });
  const hubRows = await db.query.hubs.findMany({
    where: eq(hubs.orgId, orgId),
    with: { devices: true },
    orderBy: hubs.name,
  });
  const camera = await db.query.cameras.findFirst({ where: eq(cameras.orgId, orgId) });
  return {
    orgId,
    created,
    logins: people.map((person) => ({
      email: person.email,
      password: DEMO_PASSWORD,
      role: person.role,
      staffId: person.id,
      name: person.name,
    })),
    residents: residentRows.map((resident) => ({ id: resident.id, name: resident.name })),
    hubs: hubRows.map((hub) => ({
      id: hub.id,
      residentId: hub.residentId ?? '',
      apiKey: demoHubKey(slug, Number(hub.name.replace('Hub ', '')) - 1),
      devices: Object.fromEntries(hub.devices.map((device) => [device.kind, device.id])),
    })),
    cameraId: camera?.id ?? '',
  };
}
