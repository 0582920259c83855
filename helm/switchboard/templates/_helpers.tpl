{{/* Names: <release>-<service>, e.g. sb-voice-server. */}}
{{- define "switchboard.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchboard.labels" -}}
app.kubernetes.io/part-of: switchboard
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one service: (dict "root" $ "name" "voice-server"). */}}
{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/name: {{ .name }}
{{- end -}}

{{- define "switchboard.serviceLabels" -}}
{{ include "switchboard.labels" .root }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* The three services: name → values key and port (each listens on its own default port). */}}
{{- define "switchboard.services" -}}
voice-server: { key: voiceServer, port: 8080 }
ai-server: { key: aiServer, port: 8081 }
app-server: { key: appServer, port: 8082 }
{{- end -}}

{{- define "switchboard.image" -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.digests -}}
{{- with get .root.Values.image.digests .name -}}
{{- printf "%s/%s@%s" $.root.Values.image.repository $.name . -}}
{{- else -}}
{{- printf "%s/%s:%s" $.root.Values.image.repository $.name $tag -}}
{{- end -}}
{{- else -}}
{{- printf "%s/%s:%s" .root.Values.image.repository .name $tag -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.secretName" -}}
{{- if .Values.secret.create -}}{{ printf "%s-secrets" .Release.Name }}{{- else -}}{{ required "secret.existingSecret: name the Secret holding the keys listed in the chart README (or set secret.create)" .Values.secret.existingSecret }}{{- end -}}
{{- end -}}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (printf "%s-switchboard" .Release.Name) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{/*
Draining arithmetic, all from calls.maxCallDurationSeconds:
  DRAIN_TIMEOUT (s) = longest call + voiceServer.drain.marginSeconds
  grace period (s)  = preStop sleep + DRAIN_TIMEOUT + voiceServer.drain.exitMarginSeconds
  proxy timeouts (s) = DRAIN_TIMEOUT (an ingress must never cut a call the pod still serves)
*/}}
{{- define "switchboard.drainTimeoutSeconds" -}}
{{- add .Values.calls.maxCallDurationSeconds .Values.voiceServer.drain.marginSeconds -}}
{{- end -}}

{{- define "switchboard.terminationGracePeriodSeconds" -}}
{{- add .Values.voiceServer.preStopSleepSeconds (include "switchboard.drainTimeoutSeconds" . | int) .Values.voiceServer.drain.exitMarginSeconds -}}
{{- end -}}

{{- define "switchboard.publicBaseUrl" -}}
{{- if .Values.voiceServer.publicBaseUrl -}}
{{- .Values.voiceServer.publicBaseUrl | trimSuffix "/" -}}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts.voice -}}
{{- printf "https://%s" .Values.ingress.hosts.voice -}}
{{- else -}}
{{- fail "voiceServer.publicBaseUrl: set it to the https URL Twilio reaches voice-server at (or enable the ingress with ingress.hosts.voice)" -}}
{{- end -}}
{{- end -}}

{{/* The pod and container security settings every workload shares (read-only root, no privileges). */}}
{{- define "switchboard.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "switchboard.containerSecurityContext" -}}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop: [ALL]
{{- end -}}
