{{/*
Environment of each service. Plain settings go in the service's ConfigMap; secrets come from the
Secret by key (secretKeyRef), so no secret value is ever rendered into a ConfigMap or a pod spec.
*/}}

{{/* Secret variable → Secret key, per service; "?" marks an optional key. */}}
{{- define "switchboard.secretEnv" -}}
voice-server:
  SERVICE_TOKEN: SERVICE_TOKEN
  TWILIO_ACCOUNT_SID: TWILIO_ACCOUNT_SID
  TWILIO_AUTH_TOKEN: TWILIO_AUTH_TOKEN
  OPENAI_API_KEY: OPENAI_API_KEY
  OPIK_API_KEY: OPIK_API_KEY?
{{- if .root.Values.webCalls.enabled }}
  WEB_CALL_SECRET: WEB_CALL_SECRET
{{- end }}
ai-server:
  SERVICE_TOKEN: SERVICE_TOKEN
  DATABASE_URL: AI_SERVER_DATABASE_URL
  OPERATOR_TOKEN: OPERATOR_TOKEN?
  OPENAI_API_KEY: OPENAI_API_KEY?
  RERANK_API_KEY: RERANK_API_KEY?
  PINECONE_API_KEY: PINECONE_API_KEY?
app-server:
  SERVICE_TOKEN: SERVICE_TOKEN
  SESSION_SECRET: SESSION_SECRET
  DATABASE_URL: APP_SERVER_DATABASE_URL
  OPENAI_API_KEY: OPENAI_API_KEY?
  TWILIO_ACCOUNT_SID: TWILIO_ACCOUNT_SID
  TWILIO_AUTH_TOKEN: TWILIO_AUTH_TOKEN
{{- if .root.Values.webCalls.enabled }}
  WEB_CALL_SECRET: WEB_CALL_SECRET
{{- end }}
{{- end -}}

{{/* Plain settings of one service: (dict "root" $ "name" "voice-server" "port" 8080 "svc" .Values.voiceServer). */}}
{{- define "switchboard.configEnv" -}}
{{- $root := .root -}}
{{- $secret := get (include "switchboard.secretEnv" . | fromYaml) .name -}}
{{- $env := dict "PORT" (toString .port) "LOG_LEVEL" $root.Values.logLevel -}}
{{- if eq .name "voice-server" -}}
{{- $_ := set $env "PUBLIC_BASE_URL" (include "switchboard.publicBaseUrl" $root) -}}
{{- $_ := set $env "DRAIN_TIMEOUT_MS" (toString (mul (include "switchboard.drainTimeoutSeconds" $root | int) 1000)) -}}
{{- $_ := set $env "AI_SERVER_URL" (printf "http://%s:8081" (include "switchboard.fullname" (dict "root" $root "name" "ai-server"))) -}}
{{- $_ := set $env "APP_SERVER_URL" (printf "http://%s:8082" (include "switchboard.fullname" (dict "root" $root "name" "app-server"))) -}}
{{- end -}}
{{- if eq .name "ai-server" -}}
{{- /* Outbound calls are placed through voice-server. */ -}}
{{- $_ := set $env "VOICE_SERVER_URL" (printf "http://%s:8080" (include "switchboard.fullname" (dict "root" $root "name" "voice-server"))) -}}
{{- end -}}
{{- if eq .name "app-server" -}}
{{- /* Booked callbacks are placed, and each profile's analysis schema read, through ai-server. */ -}}
{{- $_ := set $env "AI_SERVER_URL" (printf "http://%s:8081" (include "switchboard.fullname" (dict "root" $root "name" "ai-server"))) -}}
{{- end -}}
{{- if and (eq .name "app-server") $root.Values.webCalls.enabled -}}
{{- /* Where browsers open test calls: voice-server's public address, as a WebSocket URL. */ -}}
{{- $url := $root.Values.webCalls.url | default (printf "%s/web-call" (include "switchboard.publicBaseUrl" $root | replace "https://" "wss://" | replace "http://" "ws://")) -}}
{{- $_ := set $env "WEB_CALL_URL" $url -}}
{{- end -}}
{{- if and (eq .name "app-server") $root.Values.analysisWorker.enabled -}}
{{- /* The analysis-worker Deployment runs the analysis jobs; app-server replicas only enqueue them. */ -}}
{{- $_ := set $env "ANALYSIS_WORKER" "off" -}}
{{- end -}}
{{- range $k, $v := .svc.env -}}
{{- if or (hasKey $secret $k) (has $k (list "SERVICE_TOKEN" "TWILIO_AUTH_TOKEN" "OPENAI_API_KEY" "SESSION_SECRET" "DATABASE_URL" "OPERATOR_TOKEN" "RERANK_API_KEY" "PINECONE_API_KEY" "OPIK_API_KEY" "WEB_CALL_SECRET")) -}}
{{- fail (printf "%s env %s: secrets belong in the Secret (secret.existingSecret), not in values" $.name $k) -}}
{{- end -}}
{{- $_ := set $env $k (toString $v) -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{- define "switchboard.secretEnvRefs" -}}
{{- $secretName := include "switchboard.secretName" .root -}}
{{- range $var, $key := get (include "switchboard.secretEnv" . | fromYaml) .name }}
- name: {{ $var }}
  valueFrom:
    secretKeyRef:
      name: {{ $secretName }}
      key: {{ trimSuffix "?" $key }}
      {{- if hasSuffix "?" $key }}
      optional: true
      {{- end }}
{{- end }}
{{- end -}}
