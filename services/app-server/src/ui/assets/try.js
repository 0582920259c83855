// "Try your bot": a browser test call. Asks app-server for a web-call token, streams the microphone to
// voice-server as 16 kHz PCM16, plays the agent's audio, echoes marks once what preceded them has
// played, drops queued audio on "clear" (barge-in), and follows the conversation's live transcript.
// Wire format: voice-server's README, "Browser test calls".

(() => {
  const root = document.getElementById('try-call');
  if (!root) return;
  const RATE = 16000;
  const form = document.getElementById('try-form');
  const profile = document.getElementById('try-profile');
  const startBtn = document.getElementById('try-start');
  const stopBtn = document.getElementById('try-stop');
  const status = document.getElementById('try-status');
  const link = document.getElementById('try-link');
  const transcript = document.getElementById('try-transcript');

  let call = null;

  function say(text) {
    status.textContent = text;
  }

  function counters(c) {
    root.dataset.agentFrames = String(c.frames);
    root.dataset.agentMs = String(Math.round(c.agentMs));
    root.dataset.clears = String(c.clears);
  }

  function fromHtml(markup) {
    const tpl = document.createElement('template');
    tpl.innerHTML = markup.trim();
    return tpl.content.firstElementChild;
  }

  // The transcript's items, rendered (and escaped) by app-server, placed by order.
  function upsert(data) {
    const el = fromHtml(data.html);
    if (!el?.matches('li')) return;
    const existing = document.getElementById(data.id);
    if (existing) existing.remove();
    let before = null;
    for (const child of transcript.children)
      if (Number(child.dataset.order) > data.order) {
        before = child;
        break;
      }
    transcript.insertBefore(el, before);
  }

  async function follow(c) {
    const href = `/conversations/by-call/${c.callSid}`;
    link.querySelector('a').href = href;
    link.hidden = false;
    // The conversation exists once voice-server has reported the call; until then this answers 404.
    for (let i = 0; i < 60 && !c.ended; i++) {
      const res = await fetch(href, { credentials: 'same-origin' });
      if (res.ok) {
        const id = new URL(res.url).pathname.split('/').pop();
        c.events = new EventSource(`/conversations/${id}/live`);
        c.events.addEventListener('item', (e) => upsert(JSON.parse(e.data)));
        c.events.addEventListener('remove', (e) => {
          const el = document.getElementById(JSON.parse(e.data).id);
          if (el) el.remove();
        });
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  function play(c, buffer) {
    const pcm = new Int16Array(buffer);
    const samples = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 32768;
    const audio = c.ctx.createBuffer(1, samples.length, RATE);
    audio.copyToChannel(samples, 0);
    const source = c.ctx.createBufferSource();
    source.buffer = audio;
    source.connect(c.ctx.destination);
    const at = Math.max(c.ctx.currentTime + 0.02, c.playUntil);
    source.start(at);
    c.playUntil = at + audio.duration;
    c.sources.add(source);
    source.onended = () => c.sources.delete(source);
    c.frames++;
    c.agentMs += audio.duration * 1000;
    counters(c);
  }

  function ack(c, name) {
    if (c.ws.readyState === WebSocket.OPEN) c.ws.send(JSON.stringify({ type: 'mark', name }));
  }

  function control(c, m) {
    if (m.type === 'started') {
      say('Connected: speak now.');
      void follow(c);
    } else if (m.type === 'mark') {
      // Echoed once the audio queued before it has played, as a phone line would.
      const delayMs = Math.max(0, (c.playUntil - c.ctx.currentTime) * 1000);
      c.marks.set(
        m.name,
        setTimeout(() => {
          c.marks.delete(m.name);
          ack(c, m.name);
        }, delayMs),
      );
    } else if (m.type === 'clear') {
      for (const s of c.sources) s.stop();
      c.sources.clear();
      c.playUntil = 0;
      for (const [name, timer] of c.marks) {
        clearTimeout(timer);
        ack(c, name);
      }
      c.marks.clear();
      c.clears++;
      counters(c);
    }
  }

  function finish(c, text) {
    if (c.ended) return;
    c.ended = true;
    for (const timer of c.marks.values()) clearTimeout(timer);
    if (c.mic) for (const t of c.mic.getTracks()) t.stop();
    if (c.ws.readyState === WebSocket.OPEN) c.ws.close(1000);
    setTimeout(() => c.events?.close(), 3000);
    void c.ctx.close();
    say(text);
    startBtn.disabled = false;
    stopBtn.disabled = true;
    root.dataset.state = 'ended';
    call = null;
  }

  async function start() {
    startBtn.disabled = true;
    say('Connecting…');
    transcript.replaceChildren();
    link.hidden = true;
    const res = await fetch(root.dataset.tokenUrl, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ profileKey: profile.value.trim() }),
    });
    if (!res.ok) {
      say('Could not start the call (check the profile key).');
      startBtn.disabled = false;
      return;
    }
    const { token, callSid, url } = await res.json();
    const ctx = new AudioContext();
    const c = { callSid, ctx, ws: null, mic: null, events: null, sources: new Set(), marks: new Map() };
    Object.assign(c, { playUntil: 0, frames: 0, agentMs: 0, clears: 0, ended: false });
    call = c;
    try {
      await ctx.audioWorklet.addModule('/assets/try-worklet.js');
      c.mic = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (err) {
      c.ws = { readyState: WebSocket.CLOSED };
      finish(c, `No microphone: ${err?.message ?? err}`);
      return;
    }
    const capture = new AudioWorkletNode(ctx, 'pcm16-capture', { numberOfOutputs: 0 });
    ctx.createMediaStreamSource(c.mic).connect(capture);
    c.ws = new WebSocket(url);
    c.ws.binaryType = 'arraybuffer';
    capture.port.onmessage = (e) => {
      if (c.ws.readyState === WebSocket.OPEN && !c.ended) c.ws.send(e.data);
    };
    c.ws.onopen = () => c.ws.send(JSON.stringify({ type: 'start', token }));
    c.ws.onmessage = (e) => {
      if (typeof e.data === 'string') control(c, JSON.parse(e.data));
      else play(c, e.data);
    };
    c.ws.onclose = (e) =>
      finish(c, e.code === 1000 ? 'The call has ended.' : `The call was closed (${e.code}).`);
    root.dataset.state = 'live';
    stopBtn.disabled = false;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!call) void start();
  });
  stopBtn.addEventListener('click', () => {
    if (!call?.ws) return;
    if (call.ws.readyState === WebSocket.OPEN) call.ws.send(JSON.stringify({ type: 'stop' }));
    finish(call, 'The call has ended.');
  });
})();
