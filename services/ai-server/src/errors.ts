/** ai-server's error catalog: stable codes clients and tests match on. */
import { defineError } from '@switchboard/service-kit';

export const AiErrors = {
  invalidApiKey: defineError('INVALID_API_KEY', 401),
  profileNotFound: defineError('PROFILE_NOT_FOUND', 404),
  toolNotFound: defineError('TOOL_NOT_FOUND', 404),
  articleNotFound: defineError('ARTICLE_NOT_FOUND', 404),
  apiKeyNotFound: defineError('API_KEY_NOT_FOUND', 404),
  profileKeyTaken: defineError('PROFILE_KEY_TAKEN', 409),
  profileKeyAmbiguous: defineError('PROFILE_KEY_AMBIGUOUS', 409),
  addressTaken: defineError('ADDRESS_TAKEN', 409),
  toolNameTaken: defineError('TOOL_NAME_TAKEN', 409),
  invalidProfile: defineError('INVALID_PROFILE', 400),
  invalidTool: defineError('INVALID_TOOL', 400),
  invalidArticles: defineError('INVALID_ARTICLES', 400),
  articleTooLarge: defineError('ARTICLE_TOO_LARGE', 413),
  embeddingFailed: defineError('EMBEDDING_FAILED', 502, true),
  invalidOutboundCall: defineError('INVALID_OUTBOUND_CALL', 400),
  outboundCallNotFound: defineError('OUTBOUND_CALL_NOT_FOUND', 404),
  idempotencyKeyReused: defineError('IDEMPOTENCY_KEY_REUSED', 409),
  noCallerId: defineError('NO_CALLER_ID', 422),
  outsideCallingHours: defineError('OUTSIDE_CALLING_HOURS', 422),
  concurrencyLimit: defineError('OUTBOUND_CONCURRENCY_LIMIT', 429, true),
  twilioRefused: defineError('TWILIO_REFUSED', 400),
  outboundUnavailable: defineError('OUTBOUND_UNAVAILABLE', 503),
  doNotCall: defineError('DO_NOT_CALL', 422),
  doNotCallNotFound: defineError('DO_NOT_CALL_NOT_FOUND', 404),
};
