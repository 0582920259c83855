-- AlterTable
ALTER TABLE "conversation" ADD COLUMN     "timezone" TEXT;

-- AlterTable
ALTER TABLE "message" ADD COLUMN     "first_frame_ms" INTEGER,
ADD COLUMN     "heard_text" TEXT,
ADD COLUMN     "transcription" TEXT;

-- CreateTable
CREATE TABLE "brand" (
    "id" TEXT NOT NULL,
    "slug" TEXT,
    "name" TEXT,
    "timezone" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "brand_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "live_event" (
    "id" BIGSERIAL NOT NULL,
    "brand_id" TEXT,
    "conversation_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "ref" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "live_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "brand_slug_key" ON "brand"("slug");

-- CreateIndex
CREATE INDEX "live_event_conversation_id_id_idx" ON "live_event"("conversation_id", "id");

-- CreateIndex
CREATE INDEX "live_event_brand_id_id_idx" ON "live_event"("brand_id", "id");

-- CreateIndex
CREATE INDEX "live_event_created_at_idx" ON "live_event"("created_at");

-- Full-text search over what was said, ranked (written by hand: Prisma cannot model expression indexes).
CREATE INDEX "message_text_search_idx" ON "message" USING GIN (to_tsvector('english', coalesce("text", '')));
