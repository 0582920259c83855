/** Response schemas of the brand and API key routes. */
import { answer, arr, dateTime, nullable, obj, str } from '@switchboard/service-kit';

const brand = obj({ id: str, name: str, createdAt: dateTime });

export const createdBrandResponse = answer(
  'The brand and its first API key (the key is shown only here)',
  obj({ brand, apiKey: obj({ id: str, prefix: str, key: str }) }),
);

export const brandResponse = answer('The brand', brand);

export const apiKeysResponse = answer(
  'The keys, by prefix (the keys themselves are never shown again)',
  obj({
    apiKeys: arr(
      obj({ id: str, prefix: str, label: nullable(str), createdAt: dateTime, revokedAt: nullable(dateTime) }),
    ),
  }),
);

export const createdApiKeyResponse = answer(
  'The new key (shown only here)',
  obj({ id: str, prefix: str, label: nullable(str), key: str }),
);
