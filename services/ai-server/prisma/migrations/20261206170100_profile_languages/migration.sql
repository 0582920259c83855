-- AlterTable
ALTER TABLE "BotProfile" ADD COLUMN     "languages" JSONB;
