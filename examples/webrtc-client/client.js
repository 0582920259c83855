// The browser side: an end-user token from the brand's backend, a client secret from ai-server for it,
// then the WebRTC offer straight to OpenAI with the secret (POST /v1/realtime/calls, SDP in, SDP out).
const status = (text) => {
  document.getElementById('status').textContent = text;
};
const log = (event) => {
  document.getElementById('events').textContent += `${event.type}\n`;
};
let pc;

async function start() {
  status('Asking for a secret…');
  const { token, aiServerUrl } = await (await fetch('/token')).json();
  const minted = await fetch(`${aiServerUrl}/v1/realtime/client-secrets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  if (!minted.ok) return status(`ai-server refused: ${minted.status} ${(await minted.json()).error?.code}`);
  const secret = await minted.json(); // {value: "ek_…", expiresAt, model, profile, ttlSec}

  pc = new RTCPeerConnection();
  const speaker = new Audio();
  speaker.autoplay = true;
  pc.ontrack = (e) => {
    speaker.srcObject = e.streams[0];
  };
  const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
  pc.addTrack(mic.getTracks()[0], mic);
  // Server events arrive here; a function call means the app runs the profile's tool and answers it.
  const events = pc.createDataChannel('oai-events');
  events.onmessage = (m) => log(JSON.parse(m.data));

  await pc.setLocalDescription(await pc.createOffer());
  status('Connecting…');
  const answer = await fetch('https://api.openai.com/v1/realtime/calls', {
    method: 'POST',
    headers: { authorization: `Bearer ${secret.value}`, 'content-type': 'application/sdp' },
    body: pc.localDescription.sdp,
  });
  if (!answer.ok) return status(`OpenAI refused the offer: ${answer.status}`);
  await pc.setRemoteDescription({ type: 'answer', sdp: await answer.text() });
  status(`Connected to ${secret.profile}. Speak.`);
  document.getElementById('stop').disabled = false;
}

document.getElementById('start').onclick = () => start().catch((err) => status(String(err)));
document.getElementById('stop').onclick = () => {
  pc?.close();
  status('Hung up.');
  document.getElementById('stop').disabled = true;
};
