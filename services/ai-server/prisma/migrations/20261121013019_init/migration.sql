-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "vector";

-- CreateTable
CREATE TABLE "Brand" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Brand_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BrandApiKey" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "label" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "BrandApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BotProfile" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "language" TEXT NOT NULL DEFAULT 'en-US',
    "greeting" TEXT,
    "promptTemplate" TEXT NOT NULL,
    "companyContext" TEXT NOT NULL DEFAULT '',
    "voice" JSONB NOT NULL,
    "transcriber" JSONB,
    "timezone" TEXT NOT NULL DEFAULT 'UTC',
    "businessHours" JSONB NOT NULL,
    "holidays" JSONB NOT NULL DEFAULT '[]',
    "vadThreshold" DOUBLE PRECISION NOT NULL DEFAULT 0.5,
    "inactivity" JSONB NOT NULL,
    "maxDurationSec" INTEGER NOT NULL DEFAULT 1800,
    "transferTarget" TEXT,
    "outboundCallerId" TEXT,
    "creditSeconds" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BotProfile_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProfileAddress" (
    "id" TEXT NOT NULL,
    "profileId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "ProfileAddress_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DynamicTool" (
    "id" TEXT NOT NULL,
    "profileId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "parameters" JSONB NOT NULL,
    "endpointUrl" TEXT NOT NULL,
    "timeoutMs" INTEGER NOT NULL DEFAULT 5000,
    "secretHeaderName" TEXT,
    "secretHeaderValue" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DynamicTool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CallDebit" (
    "id" TEXT NOT NULL,
    "profileId" TEXT NOT NULL,
    "callSid" TEXT NOT NULL,
    "durationSec" INTEGER NOT NULL,
    "debitedSec" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CallDebit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KnowledgeArticle" (
    "id" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "url" TEXT,
    "body" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "embeddingModel" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KnowledgeArticle_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KnowledgeChunk" (
    "id" TEXT NOT NULL,
    "articleId" TEXT NOT NULL,
    "brandId" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "tokenCount" INTEGER NOT NULL,
    "tsv" tsvector,
    "embedding" vector(256),

    CONSTRAINT "KnowledgeChunk_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "KnowledgeTermStat" (
    "brandId" TEXT NOT NULL,
    "lexeme" TEXT NOT NULL,
    "df" INTEGER NOT NULL,

    CONSTRAINT "KnowledgeTermStat_pkey" PRIMARY KEY ("brandId","lexeme")
);

-- CreateIndex
CREATE UNIQUE INDEX "BrandApiKey_keyHash_key" ON "BrandApiKey"("keyHash");

-- CreateIndex
CREATE INDEX "BrandApiKey_brandId_idx" ON "BrandApiKey"("brandId");

-- CreateIndex
CREATE UNIQUE INDEX "BotProfile_key_key" ON "BotProfile"("key");

-- CreateIndex
CREATE INDEX "BotProfile_brandId_idx" ON "BotProfile"("brandId");

-- CreateIndex
CREATE INDEX "ProfileAddress_profileId_idx" ON "ProfileAddress"("profileId");

-- CreateIndex
CREATE UNIQUE INDEX "ProfileAddress_kind_value_key" ON "ProfileAddress"("kind", "value");

-- CreateIndex
CREATE UNIQUE INDEX "DynamicTool_profileId_name_key" ON "DynamicTool"("profileId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "CallDebit_profileId_callSid_key" ON "CallDebit"("profileId", "callSid");

-- CreateIndex
CREATE UNIQUE INDEX "KnowledgeArticle_brandId_externalId_key" ON "KnowledgeArticle"("brandId", "externalId");

-- CreateIndex
CREATE INDEX "KnowledgeChunk_brandId_idx" ON "KnowledgeChunk"("brandId");

-- CreateIndex
CREATE INDEX "KnowledgeChunk_tsv_idx" ON "KnowledgeChunk" USING GIN ("tsv");

-- CreateIndex
CREATE UNIQUE INDEX "KnowledgeChunk_articleId_ordinal_key" ON "KnowledgeChunk"("articleId", "ordinal");

-- AddForeignKey
ALTER TABLE "BrandApiKey" ADD CONSTRAINT "BrandApiKey_brandId_fkey" FOREIGN KEY ("brandId") REFERENCES "Brand"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BotProfile" ADD CONSTRAINT "BotProfile_brandId_fkey" FOREIGN KEY ("brandId") REFERENCES "Brand"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProfileAddress" ADD CONSTRAINT "ProfileAddress_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BotProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DynamicTool" ADD CONSTRAINT "DynamicTool_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BotProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CallDebit" ADD CONSTRAINT "CallDebit_profileId_fkey" FOREIGN KEY ("profileId") REFERENCES "BotProfile"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnowledgeArticle" ADD CONSTRAINT "KnowledgeArticle_brandId_fkey" FOREIGN KEY ("brandId") REFERENCES "Brand"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnowledgeChunk" ADD CONSTRAINT "KnowledgeChunk_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "KnowledgeArticle"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "KnowledgeTermStat" ADD CONSTRAINT "KnowledgeTermStat_brandId_fkey" FOREIGN KEY ("brandId") REFERENCES "Brand"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: PGlite has no autovacuum to flush a GIN pending list, so entries go straight in.
ALTER INDEX "KnowledgeChunk_tsv_idx" SET (fastupdate = off);

-- CreateIndex (hand-written: Prisma can't model HNSW; migrate-dev keeps it)
CREATE INDEX "KnowledgeChunk_embedding_hnsw_idx" ON "KnowledgeChunk" USING hnsw ("embedding" vector_cosine_ops) WITH (m = 8, ef_construction = 32);
