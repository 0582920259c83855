-- AlterTable
ALTER TABLE "ticket" ADD COLUMN     "opik_trace_id" TEXT;
