-- DropIndex
DROP INDEX "BotProfile_brandId_idx";

-- DropIndex
DROP INDEX "BotProfile_key_key";


-- CreateIndex
CREATE INDEX "BotProfile_key_idx" ON "BotProfile"("key");

-- CreateIndex
CREATE UNIQUE INDEX "BotProfile_brandId_key_key" ON "BotProfile"("brandId", "key");
