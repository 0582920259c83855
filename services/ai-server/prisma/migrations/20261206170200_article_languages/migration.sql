-- AlterTable
ALTER TABLE "KnowledgeArticle" ADD COLUMN     "language" TEXT NOT NULL DEFAULT 'en';
