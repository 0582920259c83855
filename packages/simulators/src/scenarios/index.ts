/**
 * call-sim's scenario runner: scenario files (YAML, schema-checked), one simulated call per scenario,
 * expectations checked from the caller's side, the simulated model and app-server, and reports.
 * See README.md in this folder.
 */
export { stereoWav, writeCallAudio } from './call-audio.ts';
export {
  type CallerVoice,
  chooseVoice,
  ESPEAK_INSTALL,
  espeakAvailable,
  type VoiceChoice,
} from './caller-voice.ts';
export type { AgentLine, Evidence, TurnEvidence } from './evidence.ts';
export { type CheckResult, type CheckStatus, checkExpectations } from './expectations.ts';
export { type LoadOptions, type LoadResult, percentiles, runLoad } from './load-run.ts';
export { type CalleeEvidence, calleePlan, renderTurns, scenarioCallees } from './outbound-callee.ts';
export {
  jsonReport,
  junitReport,
  latencyFigures,
  liveLine,
  maskNumbers,
  scenarioAccount,
  summaryTable,
} from './report.ts';
export { runOutboundScenario } from './run-outbound.ts';
export {
  type LiveEvent,
  type RunOptions,
  type RunTarget,
  runScenario,
  type ScenarioResult,
} from './run-scenario.ts';
export { loadScenarioFile, parseScenarioText, ScenarioFileError } from './scenario-file.ts';
export { SCENARIO_SCHEMA } from './scenario-schema.ts';
export type {
  AgentText,
  CallExpectations,
  CallerTurn,
  CallScenario,
  Expectations,
  LoadedScenario,
  SwitchExpectation,
} from './scenario-types.ts';
export {
  localSimulatorAccess,
  type ModelTrace,
  type SimulatorAccess,
  type TargetInfo,
} from './sim-access.ts';
export { remoteSimulatorAccess, SimAccessError } from './sim-access-client.ts';
export { type SimAccessServer, startSimAccessServer } from './sim-access-server.ts';
export { describeWindow, localDateTime, zonedInstant, zonedIso } from './zoned-time.ts';
