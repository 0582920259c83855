-- AlterTable
ALTER TABLE "BotProfile" ADD COLUMN     "afterHoursMessage" TEXT;
