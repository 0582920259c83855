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
  laneWriteFailed: defineError('LANE_WRITE_FAILED', 502, true),
  invalidLanes: defineError('INVALID_LANES', 400),
};
