import { Prisma, type PrismaClient } from '../../generated/prisma/client.ts';
import type { Brand } from '../domain/types.ts';
import { type BrandPatch, SlugTakenError } from './store.ts';

const toBrand = (r: Brand): Brand => ({ id: r.id, slug: r.slug, name: r.name, timezone: r.timezone });

/** Brand rows (slug, name, time zone) for PrismaStore. */
export class PrismaBrands {
  constructor(private readonly prisma: PrismaClient) {}

  async get(id: string): Promise<Brand | null> {
    const r = await this.prisma.brand.findUnique({ where: { id } });
    return r ? toBrand(r) : null;
  }

  async bySlug(slug: string): Promise<Brand | null> {
    const r = await this.prisma.brand.findUnique({ where: { slug: slug.toLowerCase() } });
    return r ? toBrand(r) : null;
  }

  async put(id: string, patch: BrandPatch): Promise<Brand> {
    const data = {
      ...(patch.slug !== undefined ? { slug: patch.slug?.toLowerCase() ?? null } : {}),
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.timezone !== undefined ? { timezone: patch.timezone } : {}),
    };
    try {
      return toBrand(
        await this.prisma.brand.upsert({ where: { id }, create: { id, ...data }, update: data }),
      );
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
        throw new SlugTakenError();
      throw err;
    }
  }

  async learnTimezone(id: string, timezone: string): Promise<void> {
    // Two replicas may learn at once: the insert that loses finds a row, and a set zone stays.
    await this.prisma.brand.createMany({ data: [{ id, timezone }], skipDuplicates: true });
    await this.prisma.brand.updateMany({ where: { id, timezone: null }, data: { timezone } });
  }
}
