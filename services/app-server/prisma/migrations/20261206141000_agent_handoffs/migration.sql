-- AlterEnum
ALTER TYPE "TranscriptSource" ADD VALUE 'handoff';

-- AlterTable
ALTER TABLE "conversation" ADD COLUMN     "current_agent" TEXT;

-- AlterTable
ALTER TABLE "message" ADD COLUMN     "handoff" JSONB;
