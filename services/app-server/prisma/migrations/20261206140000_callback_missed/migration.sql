-- AlterEnum
ALTER TYPE "CallbackStatus" ADD VALUE 'missed';
