-- AlterTable
ALTER TABLE "brand" ADD COLUMN     "recording_retention_days" INTEGER;

-- CreateTable
CREATE TABLE "call_recording" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "recording_sid" TEXT NOT NULL,
    "account_sid" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "duration_sec" INTEGER NOT NULL,
    "channels" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "deleted_by" TEXT,

    CONSTRAINT "call_recording_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "call_recording_conversation_id_key" ON "call_recording"("conversation_id");

-- CreateIndex
CREATE UNIQUE INDEX "call_recording_recording_sid_key" ON "call_recording"("recording_sid");

-- CreateIndex
CREATE INDEX "call_recording_created_at_idx" ON "call_recording"("created_at");

-- AddForeignKey
ALTER TABLE "call_recording" ADD CONSTRAINT "call_recording_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
