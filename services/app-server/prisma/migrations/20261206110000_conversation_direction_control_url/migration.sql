-- AlterTable
ALTER TABLE "conversation" ADD COLUMN     "direction" TEXT NOT NULL DEFAULT 'inbound',
ADD COLUMN     "control_url" TEXT;
