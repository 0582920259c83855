/**
 * A simulator of a Pinecone serverless index (data plane plus the control plane's describe_index),
 * proven by pointing `@pinecone-database/pinecone` at it.
 */
export { compileFilter, FilterError, type Metadata, type MetadataValue } from './metadata-filter.ts';
export {
  PINECONE_LIMITS,
  type PineconeOperation,
  type PineconeSimulator,
  type PineconeSimulatorOptions,
  startPineconeSimulator,
} from './server.ts';
