-- AlterTable
ALTER TABLE "BotProfile" ADD COLUMN     "agents" JSONB;
