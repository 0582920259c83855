import type { PrismaClient, CallRecording as Row } from '../../generated/prisma/client.ts';
import type { CallRecording, RecordingInput, RecordingStatus, RecordingStore } from './recording-store.ts';

const DAY_MS = 86_400_000;

const toRecording = (r: Row): CallRecording => ({ ...r, status: r.status as RecordingStatus });

/** The RecordingStore on the service's database (the `call_recording` table, `brand` retention). */
export class PrismaRecordingStore implements RecordingStore {
  constructor(private readonly prisma: PrismaClient) {}

  async save(conversationId: string, input: RecordingInput): Promise<CallRecording> {
    const existing = await this.prisma.callRecording.findUnique({ where: { conversationId } });
    if (existing?.deletedAt) return toRecording(existing);
    const row = await this.prisma.callRecording.upsert({
      where: { conversationId },
      create: { conversationId, ...input },
      update: { ...input },
    });
    return toRecording(row);
  }

  async forConversation(conversationId: string): Promise<CallRecording | null> {
    const row = await this.prisma.callRecording.findUnique({ where: { conversationId } });
    return row ? toRecording(row) : null;
  }

  async markDeleted(id: string, by: string, at: Date): Promise<void> {
    await this.prisma.callRecording.updateMany({
      where: { id, deletedAt: null },
      data: { deletedAt: at, deletedBy: by },
    });
  }

  async setRetention(brandId: string, days: number | null): Promise<void> {
    await this.prisma.brand.upsert({
      where: { id: brandId },
      create: { id: brandId, recordingRetentionDays: days },
      update: { recordingRetentionDays: days },
    });
  }

  async retentionOf(brandId: string): Promise<number | null> {
    const brand = await this.prisma.brand.findUnique({
      where: { id: brandId },
      select: { recordingRetentionDays: true },
    });
    return brand?.recordingRetentionDays ?? null;
  }

  async expired(now: Date, limit: number): Promise<CallRecording[]> {
    const brands = await this.prisma.brand.findMany({
      where: { recordingRetentionDays: { not: null } },
      select: { id: true, recordingRetentionDays: true },
    });
    const out: CallRecording[] = [];
    for (const b of brands) {
      if (out.length >= limit) break;
      const rows = await this.prisma.callRecording.findMany({
        where: {
          deletedAt: null,
          createdAt: { lte: new Date(now.getTime() - b.recordingRetentionDays! * DAY_MS) },
          conversation: { brandId: b.id },
        },
        orderBy: { createdAt: 'asc' },
        take: limit - out.length,
      });
      out.push(...rows.map(toRecording));
    }
    return out;
  }
}
