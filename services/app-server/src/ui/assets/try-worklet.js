// "Try your bot": the microphone's capture, off the main thread. Resamples the context's rate to the
// wire's 16 kHz (linear interpolation) and posts 20 ms frames of PCM16 little-endian.

const WIRE_RATE = 16000;
const FRAME_SAMPLES = 320;

class Pcm16Capture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.step = sampleRate / WIRE_RATE;
    this.pos = 0;
    this.prev = 0;
    this.frame = new Int16Array(FRAME_SAMPLES);
    this.filled = 0;
  }

  process(inputs) {
    const input = inputs[0]?.[0];
    if (!input) return true;
    // Output samples fall at positions pos, pos + step, … measured from the previous block's last sample.
    while (this.pos < input.length) {
      const i = Math.floor(this.pos);
      const frac = this.pos - i;
      const a = i === 0 ? this.prev : input[i - 1];
      const b = input[i];
      const s = a + (b - a) * frac;
      this.frame[this.filled++] = Math.max(-32768, Math.min(32767, Math.round(s * 32767)));
      if (this.filled === FRAME_SAMPLES) {
        const out = new Int16Array(this.frame);
        this.port.postMessage(out.buffer, [out.buffer]);
        this.filled = 0;
      }
      this.pos += this.step;
    }
    this.pos -= input.length;
    this.prev = input[input.length - 1];
    return true;
  }
}

registerProcessor('pcm16-capture', Pcm16Capture);
