-- CreateEnum
CREATE TYPE "AnalysisStatus" AS ENUM ('pending', 'done', 'failed');

-- CreateTable
CREATE TABLE "conversation_analysis" (
    "conversation_id" TEXT NOT NULL,
    "status" "AnalysisStatus" NOT NULL DEFAULT 'pending',
    "summary" TEXT,
    "sentiment" TEXT,
    "intent" TEXT,
    "resolution" TEXT,
    "lead_score" INTEGER,
    "result" JSONB,
    "model" TEXT,
    "prompt_version" TEXT,
    "schema_version" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "analyzed_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "conversation_analysis_pkey" PRIMARY KEY ("conversation_id")
);

-- CreateIndex
CREATE INDEX "conversation_analysis_sentiment_idx" ON "conversation_analysis"("sentiment");

-- CreateIndex
CREATE INDEX "conversation_analysis_intent_idx" ON "conversation_analysis"("intent");

-- AddForeignKey
ALTER TABLE "conversation_analysis" ADD CONSTRAINT "conversation_analysis_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
