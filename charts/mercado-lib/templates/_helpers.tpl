{{/*
Names and labels shared by every Mercado chart.

Most templates here take a "scope" dict:
  root     the chart's top-level context (.Release, .Chart, .Capabilities, .Files, .Values)
  name     the component (catalog, orders, nats, postgresql, ...)
  shop     the name every object of the shop starts with (the release name by default)
  version  the component's version (its image tag)
*/}}

{{/* The shop's name: global.shopName, or the release name. */}}
{{- define "mercado.shop" -}}
{{- $global := .Values.global | default dict -}}
{{- $global.shopName | default .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* <shop>-<component>, e.g. demo-catalog. Scope: shop, name. */}}
{{- define "mercado.fullname" -}}
{{- printf "%s-%s" .shop .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels that select a component's pods (never change on upgrade). Scope: shop, name. */}}
{{- define "mercado.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .shop }}
{{- end -}}

{{/* Every object's labels. Scope: root, shop, name, version. */}}
{{- define "mercado.labels" -}}
{{ include "mercado.selectorLabels" . }}
app.kubernetes.io/component: {{ .name }}
app.kubernetes.io/part-of: mercado
app.kubernetes.io/version: {{ .version | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- with (.root.Values.global | default dict).labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* A component's image. Scope: root, name; image (the component's image values). */}}
{{- define "mercado.image" -}}
{{- $global := (.root.Values.global | default dict).image | default dict -}}
{{- $image := .image | default dict -}}
{{- $repository := $image.repository | default $global.repository | default "mercado" -}}
{{- $tag := $image.tag | default $global.tag | default .root.Chart.AppVersion -}}
{{- printf "%s/%s:%s" $repository .name $tag -}}
{{- end -}}

{{/* The tag of a component's image (its version). Scope: root; image. */}}
{{- define "mercado.imageTag" -}}
{{- $global := (.root.Values.global | default dict).image | default dict -}}
{{- $image := .image | default dict -}}
{{- $image.tag | default $global.tag | default .root.Chart.AppVersion -}}
{{- end -}}

{{/* Pod security for Pod Security Standard "restricted": numeric non-root user. */}}
{{- define "mercado.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "mercado.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The name of the Secret holding every token and password. Scope: root, shop. */}}
{{- define "mercado.secretName" -}}
{{- $secrets := (.root.Values.global | default dict).secrets | default dict -}}
{{- $secrets.existingSecret | default (printf "%s-secrets" .shop) -}}
{{- end -}}

{{/* The Secret key of a token, e.g. orders-token. */}}
{{- define "mercado.tokenKey" -}}
{{- printf "%s-token" . -}}
{{- end -}}

{{/* The Secret key of a service's database password, e.g. catalog-database-password. */}}
{{- define "mercado.databasePasswordKey" -}}
{{- printf "%s-database-password" . -}}
{{- end -}}
