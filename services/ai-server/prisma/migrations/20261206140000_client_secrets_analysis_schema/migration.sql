-- AlterTable
ALTER TABLE "Brand" ADD COLUMN     "clientTokenSecret" TEXT;

-- AlterTable
ALTER TABLE "BotProfile" ADD COLUMN     "analysisSchema" JSONB,
ADD COLUMN     "clientSecretTtlSec" INTEGER NOT NULL DEFAULT 60;
