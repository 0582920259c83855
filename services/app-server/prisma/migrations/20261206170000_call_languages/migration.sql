-- AlterEnum
ALTER TYPE "TranscriptSource" ADD VALUE 'language';

-- AlterTable
ALTER TABLE "conversation" ADD COLUMN     "languages" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "message" ADD COLUMN     "language_switch" JSONB;
