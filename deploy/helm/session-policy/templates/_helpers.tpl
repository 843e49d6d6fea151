{{/* The release's objects share one name: the release name, or release-chart when they differ. */}}
{{- define "session-policy.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "session-policy.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "session-policy.labels" -}}
{{ include "session-policy.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "session-policy.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "session-policy.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "session-policy.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The policy's ConfigMap: the chart's own when the policy is inline, else the one named. */}}
{{- define "session-policy.policyConfigMap" -}}
{{- if .Values.policy -}}
{{- printf "%s-policy" (include "session-policy.fullname" .) -}}
{{- else -}}
{{- .Values.existingPolicyConfigMap -}}
{{- end -}}
{{- end -}}

{{/* The port the probes call: the gRPC port, or with TLS the plaintext probe port. */}}
{{- define "session-policy.probePort" -}}
{{- if .Values.tls.enabled -}}8082{{- else -}}{{ .Values.service.grpcPort }}{{- end -}}
{{- end -}}

{{/* Settings the chart cannot express in the schema alone. */}}
{{- define "session-policy.validate" -}}
{{- if and (not .Values.redis.existingSecret) (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) -}}
{{- fail "replicaCount above 1 and autoscaling need the shared store: set redis.existingSecret (without Redis each replica would keep its own sessions)" -}}
{{- end -}}
{{- if and (not .Values.auth.jwksUrl) (not .Values.auth.signingKeys.secretName) -}}
{{- fail "auth: set auth.jwksUrl or auth.signingKeys.secretName: the service listens on all interfaces only with authentication" -}}
{{- end -}}
{{- if and .Values.auth.signingKeys.secretName (not .Values.auth.signingKeys.keys) -}}
{{- fail "auth.signingKeys.keys: name the keys of the Secret that are signing keys" -}}
{{- end -}}
{{- if and .Values.tls.enabled (not .Values.tls.secretName) -}}
{{- fail "tls.secretName: TLS needs the Secret holding tls.crt and tls.key" -}}
{{- end -}}
{{- if and .Values.policy .Values.existingPolicyConfigMap -}}
{{- fail "policy and existingPolicyConfigMap: set one, not both" -}}
{{- end -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) -}}
{{- fail "metrics.serviceMonitor.enabled needs metrics.enabled" -}}
{{- end -}}
{{- end -}}
