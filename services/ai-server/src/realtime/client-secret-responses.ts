/** Response schemas of the client-secret routes. */
import { answer, dateTime, int, obj, str } from '@switchboard/service-kit';

export const clientSecretResponse = answer(
  'The client secret (ek_…): give it to the app, which connects with it until expiresAt',
  obj({ value: str, expiresAt: int, model: str, profile: str, ttlSec: int }),
);

export const clientTokenSecretResponse = answer(
  'The new signing secret for end-user tokens, shown this once; tokens signed with the old one stop working',
  obj({ secret: str, rotatedAt: dateTime }),
);
