// The benchmark's baseline: a forwarder that moves audio between Twilio and the Realtime API and does
// nothing else. It parses each frame once and forwards the payload: caller media as appends, model
// audio as media frames. No marks, no barge-in, no checks. It asks for the same session as voice-server
// and greets on session.updated, so the load generator drives the same conversation.
// Run as a child process: `node --import tsx forwarder.ts <realtimeUrl>`; prints "listening <port>".
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { BENCH_SESSION_UPDATE, benchWebhook } from './relay-session.ts';

const realtimeUrl = process.argv[2];
if (!realtimeUrl) {
  console.error('usage: forwarder.ts <realtimeUrl>');
  process.exit(2);
}

const server = createServer(benchWebhook);
const wss = new WebSocketServer({ server, path: '/twilio-stream', maxPayload: 64 * 1024 });

wss.on('connection', (twilio) => {
  let streamSid = '';
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
    if (ev.type === 'response.output_audio.delta')
      twilio.send(`{"event":"media","streamSid":"${streamSid}","media":{"payload":"${ev.delta}"}}`);
    else if (ev.type === 'session.updated') rt.send('{"type":"response.create"}');
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
