-- CreateEnum
CREATE TYPE "Channel" AS ENUM ('PHONE');

-- CreateEnum
CREATE TYPE "ConversationStatus" AS ENUM ('active', 'ended');

-- CreateEnum
CREATE TYPE "MessageRole" AS ENUM ('caller', 'agent', 'tool', 'system');

-- CreateEnum
CREATE TYPE "TranscriptSource" AS ENUM ('realtime', 'transcriber', 'dtmf', 'system', 'tool');

-- CreateEnum
CREATE TYPE "TicketKind" AS ENUM ('handoff', 'callback');

-- CreateEnum
CREATE TYPE "TicketStatus" AS ENUM ('open', 'in_progress', 'resolved', 'closed');

-- CreateEnum
CREATE TYPE "TicketPriority" AS ENUM ('low', 'normal', 'high', 'urgent');

-- CreateEnum
CREATE TYPE "CallbackStatus" AS ENUM ('scheduled', 'done', 'cancelled');

-- CreateTable
CREATE TABLE "conversation" (
    "id" TEXT NOT NULL,
    "brand_id" TEXT,
    "bot_profile_key" TEXT NOT NULL,
    "call_sid" TEXT NOT NULL,
    "channel" "Channel" NOT NULL DEFAULT 'PHONE',
    "caller_number" TEXT NOT NULL,
    "is_sip" BOOLEAN NOT NULL,
    "freshcaller_call_id" TEXT,
    "status" "ConversationStatus" NOT NULL DEFAULT 'active',
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "end_reason" TEXT,
    "duration_sec" DOUBLE PRECISION,
    "opik_trace_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "conversation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "message" (
    "conversation_id" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "role" "MessageRole" NOT NULL,
    "text" TEXT,
    "item_id" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "source" "TranscriptSource" NOT NULL,
    "interrupted" BOOLEAN NOT NULL DEFAULT false,
    "tool_name" TEXT,
    "tool_arguments" JSONB,
    "tool_result" JSONB,
    "response_ms" INTEGER,
    "first_audio_ms" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "message_pkey" PRIMARY KEY ("conversation_id","sequence")
);

-- CreateTable
CREATE TABLE "ticket" (
    "id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "kind" "TicketKind" NOT NULL,
    "status" "TicketStatus" NOT NULL DEFAULT 'open',
    "priority" "TicketPriority" NOT NULL DEFAULT 'normal',
    "summary" TEXT NOT NULL,
    "transcript_excerpt" TEXT NOT NULL,
    "knowledge_chunk_ids" TEXT[],
    "transfer_target" TEXT,
    "assignee" TEXT,
    "idempotency_key" TEXT,
    "after_sequence" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ticket_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "callback" (
    "id" TEXT NOT NULL,
    "ticket_id" TEXT NOT NULL,
    "conversation_id" TEXT NOT NULL,
    "phone" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3),
    "window_end" TIMESTAMPTZ(3),
    "timezone" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "status" "CallbackStatus" NOT NULL DEFAULT 'scheduled',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "callback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "staff_account" (
    "id" TEXT NOT NULL,
    "brand_id" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "session_version" INTEGER NOT NULL DEFAULT 1,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "staff_account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_key" (
    "id" TEXT NOT NULL,
    "brand_id" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "revoked" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "api_key_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "conversation_call_sid_key" ON "conversation"("call_sid");

-- CreateIndex
CREATE INDEX "conversation_brand_id_started_at_id_idx" ON "conversation"("brand_id", "started_at" DESC, "id");

-- CreateIndex
CREATE INDEX "conversation_bot_profile_key_started_at_idx" ON "conversation"("bot_profile_key", "started_at");

-- CreateIndex
CREATE INDEX "ticket_conversation_id_created_at_idx" ON "ticket"("conversation_id", "created_at");

-- CreateIndex
CREATE INDEX "ticket_status_created_at_idx" ON "ticket"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "ticket_conversation_id_idempotency_key_key" ON "ticket"("conversation_id", "idempotency_key");

-- CreateIndex
CREATE UNIQUE INDEX "callback_ticket_id_key" ON "callback"("ticket_id");

-- CreateIndex
CREATE INDEX "callback_conversation_id_idx" ON "callback"("conversation_id");

-- CreateIndex
CREATE INDEX "callback_status_created_at_idx" ON "callback"("status", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "staff_account_brand_id_email_key" ON "staff_account"("brand_id", "email");

-- CreateIndex
CREATE INDEX "api_key_brand_id_idx" ON "api_key"("brand_id");

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ticket" ADD CONSTRAINT "ticket_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "callback" ADD CONSTRAINT "callback_ticket_id_fkey" FOREIGN KEY ("ticket_id") REFERENCES "ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "callback" ADD CONSTRAINT "callback_conversation_id_fkey" FOREIGN KEY ("conversation_id") REFERENCES "conversation"("id") ON DELETE CASCADE ON UPDATE CASCADE;
