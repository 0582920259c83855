
-- AlterTable
ALTER TABLE "KnowledgeArticle" ADD COLUMN     "mirroredTo" TEXT;

-- CreateTable
CREATE TABLE "KnowledgeLaneSetting" (
    "brandId" TEXT NOT NULL,
    "lanes" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KnowledgeLaneSetting_pkey" PRIMARY KEY ("brandId")
);

-- CreateTable
CREATE TABLE "KnowledgeSearchEvent" (
    "id" BIGSERIAL NOT NULL,
    "brandId" TEXT NOT NULL,
    "lane" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "store" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "callSid" TEXT,
    "latencyMs" DOUBLE PRECISION NOT NULL,
    "results" INTEGER NOT NULL,
    "noAnswer" BOOLEAN NOT NULL,
    "fallbackFrom" TEXT,
    "chunkIds" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KnowledgeSearchEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KnowledgeLaneEvaluation" (
    "brandId" TEXT NOT NULL,
    "lane" TEXT NOT NULL,
    "queries" INTEGER NOT NULL,
    "figures" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KnowledgeLaneEvaluation_pkey" PRIMARY KEY ("brandId","lane")
);

-- CreateIndex
CREATE INDEX "KnowledgeSearchEvent_brandId_createdAt_idx" ON "KnowledgeSearchEvent"("brandId", "createdAt");

-- AddForeignKey
ALTER TABLE "KnowledgeLaneSetting" ADD CONSTRAINT "KnowledgeLaneSetting_brandId_fkey" FOREIGN KEY ("brandId") REFERENCES "Brand"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnowledgeSearchEvent" ADD CONSTRAINT "KnowledgeSearchEvent_brandId_fkey" FOREIGN KEY ("brandId") REFERENCES "Brand"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnowledgeLaneEvaluation" ADD CONSTRAINT "KnowledgeLaneEvaluation_brandId_fkey" FOREIGN KEY ("brandId") REFERENCES "Brand"("id") ON DELETE CASCADE ON UPDATE CASCADE;
