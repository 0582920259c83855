/** The simulated model's side of a call, as call-sim reads it from a target on the simulators. */

/** One model response of a call, as the simulator played it. */
export interface TracedResponse {
  /** `greeting`, `turn`, `after_tools`, `default` or `idle`. */
  source: string;
  /** The whole line the model was to say. */
  text: string;
  /** The language it said it in (primary subtag). */
  language?: string;
  /** The language its instructions asked for (differs when the script had no line in it). */
  languageInForce?: string;
  /** What it had said when the response ended (less than `text` when it was cut off). */
  spoken: string;
  /** What the caller heard of it, when it was cut off and truncated at the audio played. */
  heard?: string;
  /** `completed`, `cancelled`, … */
  status: string;
  tools: Array<{ name: string; args: Record<string, unknown> }>;
}

/** The model's side of one call. */
export interface ModelTrace {
  /** Realtime sessions the call used (more than one after a reconnect). */
  sessions: number;
  responses: TracedResponse[];
}
