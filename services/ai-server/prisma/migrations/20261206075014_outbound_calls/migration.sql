
-- AlterTable
ALTER TABLE "BotProfile" ADD COLUMN     "voicemailMessage" TEXT;

-- CreateTable
CREATE TABLE "OutboundCall" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "profileId" TEXT NOT NULL,
    "idempotencyKey" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "toNumber" TEXT NOT NULL,
    "fromNumber" TEXT NOT NULL,
    "task" TEXT NOT NULL,
    "context" JSONB NOT NULL DEFAULT '{}',
    "outcomeSchema" JSONB,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "callSid" TEXT,
    "answeredBy" TEXT,
    "outcome" JSONB,
    "outcomeAt" TIMESTAMP(3),
    "voicemail" TEXT,
    "error" JSONB,
    "durationSec" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "OutboundCall_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "OutboundCall_callSid_key" ON "OutboundCall"("callSid");

-- CreateIndex
CREATE INDEX "OutboundCall_brandId_status_idx" ON "OutboundCall"("brandId", "status");

-- CreateIndex
CREATE UNIQUE INDEX "OutboundCall_brandId_idempotencyKey_key" ON "OutboundCall"("brandId", "idempotencyKey");

-- AddForeignKey
ALTER TABLE "OutboundCall" ADD CONSTRAINT "OutboundCall_brandId_fkey" FOREIGN KEY ("brandId") REFERENCES "Brand"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OutboundCall" ADD CONSTRAINT "OutboundCall_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BotProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;
