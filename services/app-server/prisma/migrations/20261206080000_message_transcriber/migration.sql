-- AlterTable
ALTER TABLE "message" ADD COLUMN     "transcriber" TEXT,
ADD COLUMN     "transcriber_text" TEXT;
