/**
 * A simulator of OpenAI's chat completions and responses APIs for structured output (post-call
 * analytics runs against it offline). Point the openai SDK's `baseURL` at `openaiBaseUrl`.
 */
export { answerFor, type Reading, readTranscript } from './answer.ts';
export { ApiError } from './requests.ts';
export {
  type ChatFault,
  type ChatRequestRecord,
  type ChatSimulator,
  type ChatSimulatorOptions,
  startChatSimulator,
} from './server.ts';
export { strictSchemaProblem } from './strict-schema.ts';
