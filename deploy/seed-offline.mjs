// Gives an offline stack a brand to call: the operator creates "Acme Outfitters" in ai-server, with a
// bot profile answering SEED_PHONE_NUMBER (call-sim dials +18005550100 by default) and an hour of
// credits. Run again, it finds the number already answered and changes nothing. Plain Node, no
// dependencies: docker-compose.yml's `seed` service mounts it into the simulators image.
//   AI_SERVER_URL, SERVICE_TOKEN, OPERATOR_TOKEN (required); SEED_PHONE_NUMBER (+18005550100)
const required = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const ai = required('AI_SERVER_URL').replace(/\/+$/, '');
const serviceToken = required('SERVICE_TOKEN');
const operatorToken = required('OPERATOR_TOKEN');
const number = process.env.SEED_PHONE_NUMBER || '+18005550100';

async function call(path, token, body) {
  const res = await fetch(`${ai}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function main() {
  const existing = await call('/internal/profiles/lookup', serviceToken, { to: number });
  if (existing.status === 200) {
    console.log(`seed: ${number} is already answered by profile ${existing.body.key}; nothing to do`);
    return;
  }
  const brand = await call('/operator/brands', operatorToken, { name: 'Acme Outfitters' });
  if (brand.status !== 201 && brand.status !== 200)
    throw new Error(`creating the brand: ${brand.status} ${JSON.stringify(brand.body)}`);
  const key = brand.body.apiKey.key;
  const profile = await call('/admin/profiles', key, {
    key: 'acme-support',
    name: 'Acme Outfitters support',
    promptTemplate:
      'You are the phone agent of Acme Outfitters, an outdoor clothing shop. {{company_context}}',
    companyContext: 'Answer only from the knowledge base; offer a callback when unsure.',
    greeting: 'Hi, thanks for calling Acme Outfitters. How can I help?',
    voice: { provider: 'openai', voiceId: 'marin', speed: 1 },
    language: 'en-US',
    timezone: 'America/New_York',
    phoneNumbers: [number],
  });
  if (profile.status >= 300)
    throw new Error(`creating the profile: ${profile.status} ${JSON.stringify(profile.body)}`);
  const credits = await call('/admin/profiles/acme-support/credits', key, { seconds: 3600 });
  if (credits.status >= 300)
    throw new Error(`adding credits: ${credits.status} ${JSON.stringify(credits.body)}`);
  console.log(
    `seed: brand ${brand.body.brand.id} answers ${number} (profile acme-support, 3600 s of credits)`,
  );
}

main().catch((err) => {
  console.error(`seed: ${err.message}`);
  process.exit(1);
});
