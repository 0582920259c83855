/** Opik capture server: the tracing endpoints the `opik` SDK calls. See README.md in this folder. */
export {
  type OpikCaptureOptions,
  type OpikCaptureServer,
  type OpikMode,
  startOpikCaptureServer,
} from './server.ts';
export { type CapturedRequest, type OpikRecord, type OpikScore, OpikStore } from './store.ts';
