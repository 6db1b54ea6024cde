{{/*
The shop's Secret: every token and password, generated on install and kept on upgrade.
*/}}

{{/*
The Secret's data (key -> base64 value) as JSON, the same for every template of one render:
the values found in the cluster (an upgrade keeps them), new random ones otherwise; for an
existing Secret (global.secrets.existingSecret), what the cluster holds (nothing when
rendered without a cluster). Scope: root, shop.
*/}}
{{- define "mercado.secretData" -}}
{{- $memo := printf "__mercadoSecretData_%s" .shop -}}
{{- if not (hasKey .root.Values $memo) -}}
{{- $name := include "mercado.secretName" . -}}
{{- $found := lookup "v1" "Secret" .root.Release.Namespace $name -}}
{{- $existing := dict -}}
{{- if $found }}{{ $existing = $found.data | default dict }}{{ end -}}
{{- $data := dict -}}
{{- $secrets := (.root.Values.global | default dict).secrets | default dict -}}
{{- if $secrets.existingSecret -}}
{{- $data = $existing -}}
{{- else -}}
{{- range (include "mercado.topology" . | fromJson).secretKeys -}}
{{- $_ := set $data . (get $existing . | default (randAlphaNum 32 | b64enc)) -}}
{{- end -}}
{{- end -}}
{{- $_ := set .root.Values $memo $data -}}
{{- end -}}
{{- toJson (get .root.Values $memo) -}}
{{- end -}}

{{/* The shop's Secret, unless global.secrets.existingSecret names one. Scope: root, shop. */}}
{{- define "mercado.secret" -}}
{{- $secrets := (.root.Values.global | default dict).secrets | default dict -}}
{{- if not $secrets.existingSecret }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "mercado.secretName" . }}
  labels:
    {{- include "mercado.labels" (dict "root" .root "shop" .shop "name" "secrets") | nindent 4 }}
type: Opaque
data:
  {{- range $key, $value := (include "mercado.secretData" . | fromJson) }}
  {{ $key }}: {{ $value | quote }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* A checksum of the Secret keys in `keys`, so that pods roll when one of them changes. */}}
{{- define "mercado.secretChecksum" -}}
{{- $data := include "mercado.secretData" . | fromJson -}}
{{- $picked := list -}}
{{- range .keys }}{{ $picked = append $picked (printf "%s=%s" . (get $data . | default "")) }}{{ end -}}
{{- $picked | join "\n" | sha256sum -}}
{{- end -}}
