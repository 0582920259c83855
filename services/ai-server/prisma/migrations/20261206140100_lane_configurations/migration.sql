-- A retrieval lane with its own embedding model or chunking keeps its own chunk rows beside the
-- ingest's default ones (config ''), and records per article which version of the text it holds.

-- AlterTable
ALTER TABLE "KnowledgeChunk" ADD COLUMN     "config" TEXT NOT NULL DEFAULT '';

-- DropIndex
DROP INDEX "KnowledgeChunk_articleId_ordinal_key";

-- CreateIndex
CREATE UNIQUE INDEX "KnowledgeChunk_articleId_config_ordinal_key" ON "KnowledgeChunk"("articleId", "config", "ordinal");

-- CreateIndex
CREATE INDEX "KnowledgeChunk_brandId_config_idx" ON "KnowledgeChunk"("brandId", "config");

-- CreateTable
CREATE TABLE "KnowledgeLaneIndex" (
    "articleId" TEXT NOT NULL,
    "config" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "indexedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "KnowledgeLaneIndex_pkey" PRIMARY KEY ("articleId","config")
);

-- CreateIndex
CREATE INDEX "KnowledgeLaneIndex_brandId_config_idx" ON "KnowledgeLaneIndex"("brandId", "config");

-- AddForeignKey
ALTER TABLE "KnowledgeLaneIndex" ADD CONSTRAINT "KnowledgeLaneIndex_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "KnowledgeArticle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
