
-- AlterTable
ALTER TABLE "BotProfile" ADD COLUMN     "outboundRetry" JSONB;

-- AlterTable
ALTER TABLE "OutboundCall" ADD COLUMN     "attempt" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "nextAttemptAt" TIMESTAMP(3),
ADD COLUMN     "previousAttempts" JSONB NOT NULL DEFAULT '[]';

-- CreateIndex
CREATE INDEX "OutboundCall_status_nextAttemptAt_idx" ON "OutboundCall"("status", "nextAttemptAt");
