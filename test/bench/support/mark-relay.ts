// The benchmark's second reference, the mark relay: the least a Twilio ↔ Realtime relay can do while
// behaving like voice-server towards both simulators. It parses each frame once, forwards the payload,
// writes each audio delta as media + mark, and on speech_started cancels the active response, clears Twilio and drops that
// response's late deltas. It asks for the same session as voice-server (pcmu, server VAD, barge-in left
// to the relay), so the load generator does the same work for both. Signatures are not checked.
// Run as a child process: `node --import tsx mark-relay.ts <realtimeUrl>`; prints "listening <port>".
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { BENCH_SESSION_UPDATE, benchWebhook } from './relay-session.ts';

const realtimeUrl = process.argv[2];
if (!realtimeUrl) {
  console.error('usage: mark-relay.ts <realtimeUrl>');
  process.exit(2);
}

const server = createServer(benchWebhook);
const wss = new WebSocketServer({ server, path: '/twilio-stream', maxPayload: 64 * 1024 });

wss.on('connection', (twilio) => {
  let streamSid = '';
  let markSeq = 0;
  let activeResponse: string | null = null;
  let cancelledResponse: string | null = null;
  const pending: string[] = [];
  const rt = new WebSocket(`${realtimeUrl}?model=gpt-realtime`, {
    headers: { Authorization: 'Bearer sk-bench' },
  });
  rt.on('open', () => {
    rt.send(BENCH_SESSION_UPDATE);
    for (const p of pending.splice(0)) rt.send(p);
  });
  rt.on('message', (data) => {
    const ev = JSON.parse(data.toString());
    switch (ev.type) {
      case 'response.output_audio.delta':
        if (ev.response_id === cancelledResponse) return;
        twilio.send(`{"event":"media","streamSid":"${streamSid}","media":{"payload":"${ev.delta}"}}`);
        twilio.send(`{"event":"mark","streamSid":"${streamSid}","mark":{"name":"m${++markSeq}"}}`);
        return;
      case 'input_audio_buffer.speech_started':
        if (activeResponse) {
          rt.send('{"type":"response.cancel"}');
          cancelledResponse = activeResponse;
        }
        twilio.send(`{"event":"clear","streamSid":"${streamSid}"}`);
        return;
      case 'response.created':
        activeResponse = ev.response.id;
        return;
      case 'response.done':
        if (activeResponse === ev.response.id) activeResponse = null;
        return;
      case 'session.updated':
        rt.send('{"type":"response.create"}');
        return;
    }
  });
  twilio.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.event === 'media') {
      const out = `{"type":"input_audio_buffer.append","audio":"${msg.media.payload}"}`;
      if (rt.readyState === WebSocket.OPEN) rt.send(out);
      else pending.push(out);
    } else if (msg.event === 'start') {
      streamSid = msg.start.streamSid;
    } else if (msg.event === 'stop') {
      twilio.close();
    }
  });
  twilio.on('close', () => rt.close());
  rt.on('close', () => twilio.close());
  twilio.on('error', () => {});
  rt.on('error', () => twilio.close());
});

server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  console.log(`listening ${typeof addr === 'object' && addr ? addr.port : 0}`);
});
