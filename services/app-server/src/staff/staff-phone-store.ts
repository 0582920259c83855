/**
 * A staff member's own phone number (E.164), optional: the live monitor offers "transfer to my phone"
 * when it is set. Kept beside the account, apart from sign-in, so only the monitor and the routes that
 * set it read it.
 */
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** E.164: + then 7 to 15 digits, the first not 0 (what Twilio dials). */
export const E164_PATTERN = '^\\+[1-9][0-9]{6,14}$';

export interface StaffPhoneStore {
  /** Sets (or with null clears) the phone of the brand's staff account; false when there is no such account. */
  set(brandId: string, staffId: string, phone: string | null): Promise<boolean>;
  get(brandId: string, staffId: string): Promise<string | null>;
}

export class MemoryStaffPhoneStore implements StaffPhoneStore {
  private readonly phones = new Map<string, string>();

  constructor(private readonly staffBrand: (staffId: string) => string | undefined) {}

  async set(brandId: string, staffId: string, phone: string | null): Promise<boolean> {
    if (this.staffBrand(staffId) !== brandId) return false;
    if (phone) this.phones.set(staffId, phone);
    else this.phones.delete(staffId);
    return true;
  }

  async get(brandId: string, staffId: string): Promise<string | null> {
    return this.staffBrand(staffId) === brandId ? (this.phones.get(staffId) ?? null) : null;
  }
}

export class PrismaStaffPhoneStore implements StaffPhoneStore {
  constructor(private readonly prisma: PrismaClient) {}

  async set(brandId: string, staffId: string, phone: string | null): Promise<boolean> {
    const r = await this.prisma.staffAccount.updateMany({ where: { id: staffId, brandId }, data: { phone } });
    return r.count === 1;
  }

  async get(brandId: string, staffId: string): Promise<string | null> {
    const row = await this.prisma.staffAccount.findFirst({
      where: { id: staffId, brandId },
      select: { phone: true },
    });
    return row?.phone ?? null;
  }
}

/** The number as the monitor shows it: the last four digits only. */
export function maskedPhone(phone: string): string {
  return `…${phone.slice(-4)}`;
}
