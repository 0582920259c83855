// The brand's backend signs an end-user token for a signed-in user: an HS256 JWT
// {brand, profile, sub, exp} under the brand's client-token secret (POST /admin/client-token-secret).
import { createHmac } from 'node:crypto';

const b64 = (value) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token for `userId`, good for `seconds` (at most 3600). */
export function endUserToken({ secret, brandId, profile, userId, seconds = 300 }) {
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const body = b64({ brand: brandId, profile, sub: userId, exp: Math.floor(Date.now() / 1000) + seconds });
  const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}
