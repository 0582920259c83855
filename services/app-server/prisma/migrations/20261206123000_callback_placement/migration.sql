-- AlterTable
ALTER TABLE "brand" ADD COLUMN     "auto_place_callbacks" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "callback_placement" (
    "callback_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "outbound_call_id" TEXT,
    "call_sid" TEXT,
    "outbound_status" TEXT,
    "refusal_code" TEXT,
    "refusal_message" TEXT,
    "retry_at" TIMESTAMPTZ(3),
    "claimed_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "callback_placement_pkey" PRIMARY KEY ("callback_id")
);

-- CreateIndex
CREATE INDEX "callback_placement_state_retry_at_idx" ON "callback_placement"("state", "retry_at");

-- AddForeignKey
ALTER TABLE "callback_placement" ADD CONSTRAINT "callback_placement_callback_id_fkey" FOREIGN KEY ("callback_id") REFERENCES "callback"("id") ON DELETE CASCADE ON UPDATE CASCADE;
