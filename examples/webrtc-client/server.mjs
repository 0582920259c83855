// A stand-in for the brand's backend: serves the page and hands the signed-in user an end-user token.
// AI_SERVER_URL, BRAND_ID, CLIENT_TOKEN_SECRET and PROFILE come from the environment.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { endUserToken } from './token.mjs';

const {
  AI_SERVER_URL = 'http://localhost:8081',
  BRAND_ID,
  CLIENT_TOKEN_SECRET,
  PROFILE = 'acme-support',
} = process.env;
const port = Number(process.env.PORT ?? 5173);

createServer(async (req, res) => {
  if (req.url === '/token') {
    // Your own session check goes here: only a signed-in user gets a token, named by your user id.
    const token = endUserToken({
      secret: CLIENT_TOKEN_SECRET,
      brandId: BRAND_ID,
      profile: PROFILE,
      userId: 'demo-user',
    });
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    return res.end(JSON.stringify({ token, aiServerUrl: AI_SERVER_URL }));
  }
  const file = req.url === '/client.js' ? 'client.js' : 'index.html';
  res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/html' });
  res.end(await readFile(new URL(file, import.meta.url)));
}).listen(port, () => console.log(`http://localhost:${port}`));
