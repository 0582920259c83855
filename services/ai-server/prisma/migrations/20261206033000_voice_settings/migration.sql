-- Data only (no schema change): ElevenLabs voices move from
-- { provider, voiceId, speed?, elevenlabs?: { modelId?, stability?, similarityBoost?, style?, useSpeakerBoost? } }
-- to { provider, voiceId, settings?: { stability?, similarityBoost?, style?, useSpeakerBoost?, speed? } }.
-- The old speed (0.25-4) is brought into ElevenLabs' 0.7-1.2; modelId is dropped (voice-server chooses
-- the TTS model by its own configuration and never read it). OpenAI voices are left as they are.
UPDATE "BotProfile"
SET "voice" = ("voice" - 'elevenlabs' - 'speed') || jsonb_build_object(
  'settings',
  jsonb_strip_nulls(jsonb_build_object(
    'stability', "voice"->'elevenlabs'->'stability',
    'similarityBoost', "voice"->'elevenlabs'->'similarityBoost',
    'style', "voice"->'elevenlabs'->'style',
    'useSpeakerBoost', "voice"->'elevenlabs'->'useSpeakerBoost',
    'speed', CASE WHEN jsonb_typeof("voice"->'speed') = 'number'
      THEN to_jsonb(LEAST(GREATEST(("voice"->>'speed')::double precision, 0.7), 1.2)) END
  )) || COALESCE("voice"->'settings', '{}'::jsonb)
)
WHERE "voice"->>'provider' = 'elevenlabs' AND ("voice" ? 'elevenlabs' OR "voice" ? 'speed');

-- An ElevenLabs voice without any setting keeps no empty settings object.
UPDATE "BotProfile" SET "voice" = "voice" - 'settings'
WHERE "voice"->>'provider' = 'elevenlabs' AND "voice"->'settings' = '{}'::jsonb;
