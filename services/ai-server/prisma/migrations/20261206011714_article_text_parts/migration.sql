-- Article text moves to KnowledgeArticleText, written in parts of at most 16,000 characters.

-- CreateTable
CREATE TABLE "KnowledgeArticleText" (
    "articleId" TEXT NOT NULL,
    "part" INTEGER NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "KnowledgeArticleText_pkey" PRIMARY KEY ("articleId","part")
);

-- AddForeignKey
ALTER TABLE "KnowledgeArticleText" ADD CONSTRAINT "KnowledgeArticleText_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "KnowledgeArticle"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Existing bodies become part 0 of their text.
INSERT INTO "KnowledgeArticleText" ("articleId", "part", "text") SELECT "id", 0, "body" FROM "KnowledgeArticle";

-- AlterTable
ALTER TABLE "KnowledgeArticle" DROP COLUMN "body";
