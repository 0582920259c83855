-- AlterTable
ALTER TABLE "BotProfile" ADD COLUMN     "recording" JSONB;
