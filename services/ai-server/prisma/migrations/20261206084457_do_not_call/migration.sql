
-- CreateTable
CREATE TABLE "DoNotCallNumber" (
    "brandId" TEXT NOT NULL,
    "number" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DoNotCallNumber_pkey" PRIMARY KEY ("brandId","number")
);

-- AddForeignKey
ALTER TABLE "DoNotCallNumber" ADD CONSTRAINT "DoNotCallNumber_brandId_fkey" FOREIGN KEY ("brandId") REFERENCES "Brand"("id") ON DELETE CASCADE ON UPDATE CASCADE;
