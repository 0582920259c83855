-- AlterTable
ALTER TABLE "staff_account" ADD COLUMN     "phone" TEXT;
