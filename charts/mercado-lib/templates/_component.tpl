{{/*
Everything one Mercado service needs, from the topology and its values:
ServiceAccount, ConfigMap, Deployment, Service, HPA, PodDisruptionBudget, NetworkPolicy and
ServiceMonitor.

Scope:
  root    the chart's top-level context
  shop    the shop's name (every object is named <shop>-<component>)
  name    the service, a key of the topology's services
  values  the service's values (replicas, image, resources, autoscaling, ...)
  wiring  how the shop is put together:
            database: {mode: managed|external, host, port, secretName}
            natsUrl, smtp: {host, port, from}, urls: {<service>: <url override>}
            tracing: {otlpEndpoint, sampleRatio}, serviceMonitor
*/}}
{{- define "mercado.component" -}}
{{- $topology := include "mercado.topology" . | fromJson -}}
{{- $svc := get $topology.services .name -}}
{{- $scope := dict "root" .root "shop" .shop "name" .name "version" (include "mercado.imageTag" (dict "root" .root "image" .values.image)) -}}
{{- $_ := set $scope "svc" $svc -}}
{{- $_ := set $scope "values" .values -}}
{{- $_ := set $scope "wiring" .wiring -}}
{{- $_ := set $scope "topology" $topology -}}
{{ include "mercado.serviceAccount" $scope }}
---
{{ include "mercado.configMap" $scope }}
---
{{ include "mercado.deployment" $scope }}
---
{{ include "mercado.kubeService" $scope }}
---
{{ include "mercado.networkPolicy" $scope }}
---
{{ include "mercado.podDisruptionBudget" $scope }}
{{- if and .values.ingress .values.ingress.enabled }}
---
{{ include "mercado.ingress" $scope }}
{{- end }}
{{- if .values.autoscaling.enabled }}
---
{{ include "mercado.hpa" $scope }}
{{- end }}
{{- if and .wiring.serviceMonitor (.root.Capabilities.APIVersions.Has "monitoring.coreos.com/v1") }}
---
{{ include "mercado.serviceMonitor" $scope }}
{{- end }}
{{- end -}}

{{- define "mercado.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "mercado.fullname" . }}
  labels:
    {{- include "mercado.labels" . | nindent 4 }}
# The services never talk to the Kubernetes API.
automountServiceAccountToken: false
{{- end -}}

{{/* Non-secret settings, as the service's environment variables. */}}
{{- define "mercado.configMap" -}}
{{- $svc := .svc -}}
{{- $p := $svc.envPrefix -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "mercado.fullname" . }}
  labels:
    {{- include "mercado.labels" . | nindent 4 }}
data:
  {{- include "mercado.configData" . | nindent 2 }}
{{- end -}}

{{- define "mercado.configData" -}}
{{- $svc := .svc -}}
{{- $p := $svc.envPrefix -}}
{{- $shop := .shop -}}
{{ $p }}HOST: "0.0.0.0"
{{ $p }}PORT: {{ $svc.port | quote }}
{{ $p }}LOG_JSON: "true"
{{- if $svc.messaging }}
{{ $p }}NATS_URL: {{ .wiring.natsUrl | quote }}
{{- end }}
{{- range $svc.calls }}
{{ .urlEnv }}: {{ get $.wiring.urls .target | default (printf "http://%s-%s:%v" $shop .target .port) | quote }}
{{- end }}
{{- if $svc.mail }}
{{ $p }}SMTP_HOST: {{ .wiring.smtp.host | quote }}
{{ $p }}SMTP_PORT: {{ .wiring.smtp.port | quote }}
{{ $p }}SMTP_FROM: {{ .wiring.smtp.from | quote }}
{{- end }}
{{- with .values.bank }}
{{ $p }}BANK__TIMEOUT_SECONDS: {{ .timeoutSeconds | quote }}
{{- end }}
OTEL_SERVICE_NAME: {{ .name | quote }}
{{- with .wiring.tracing }}
{{- if .otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ .otlpEndpoint | quote }}
OTEL_TRACES_SAMPLER: parentbased_traceidratio
OTEL_TRACES_SAMPLER_ARG: {{ .sampleRatio | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The Secret keys a service reads: its own tokens and its database password. */}}
{{- define "mercado.secretKeysOf" -}}
{{- $keys := list (include "mercado.tokenKey" "admin") -}}
{{- range .svc.calls }}{{ if .token }}{{ $keys = append $keys (include "mercado.tokenKey" .token) }}{{ end }}{{ end -}}
{{- range .svc.accepts }}{{ $keys = append $keys (include "mercado.tokenKey" .token) }}{{ end -}}
{{- if and .svc.database (eq .wiring.database.mode "managed") -}}
{{- $keys = append $keys (include "mercado.databasePasswordKey" .name) -}}
{{- end -}}
{{- toJson ($keys | uniq) -}}
{{- end -}}

{{- define "mercado.secretEnv" -}}
{{- $secret := include "mercado.secretName" . -}}
{{- $p := .svc.envPrefix -}}
- name: {{ $p }}ADMIN_TOKEN
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: {{ include "mercado.tokenKey" "admin" }}}}
{{- range .svc.calls }}
{{- if .token }}
- name: {{ .tokenEnv }}
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: {{ include "mercado.tokenKey" .token }}}}
{{- end }}
{{- end }}
{{- range .svc.accepts }}
- name: {{ .env }}
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: {{ include "mercado.tokenKey" .token }}}}
{{- end }}
{{- if .svc.database }}
{{- $db := .wiring.database }}
{{- if eq $db.mode "external" }}
- name: {{ $p }}DATABASE_URL
  valueFrom: {secretKeyRef: {name: {{ $db.secretName }}, key: {{ .name }}}}
{{- else }}
- name: DATABASE_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ $secret }}, key: {{ include "mercado.databasePasswordKey" .name }}}}
- name: {{ $p }}DATABASE_URL
  value: {{ printf "postgresql+asyncpg://%s:$(DATABASE_PASSWORD)@%s:%v/%s" .name $db.host $db.port .name | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "mercado.deployment" -}}
{{- $values := .values -}}
{{- $svc := .svc -}}
{{- $secretScope := dict "root" .root "shop" .shop "keys" (include "mercado.secretKeysOf" . | fromJsonArray) -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "mercado.fullname" . }}
  labels:
    {{- include "mercado.labels" . | nindent 4 }}
spec:
  {{- if not $values.autoscaling.enabled }}
  replicas: {{ $values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "mercado.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "mercado.labels" . | nindent 8 }}
      annotations:
        checksum/config: {{ include "mercado.configData" . | sha256sum }}
        checksum/secret: {{ include "mercado.secretChecksum" $secretScope }}
    spec:
      serviceAccountName: {{ include "mercado.fullname" . }}
      automountServiceAccountToken: false
      securityContext:
        {{- include "mercado.podSecurityContext" . | nindent 8 }}
      containers:
        - name: {{ .name }}
          image: {{ include "mercado.image" (dict "root" .root "name" .name "image" $values.image) }}
          imagePullPolicy: {{ (.root.Values.global.image | default dict).pullPolicy | default "IfNotPresent" }}
          ports:
            - name: http
              containerPort: {{ $svc.port }}
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "mercado.fullname" . }}
          env:
            {{- include "mercado.secretEnv" . | nindent 12 }}
          startupProbe:
            httpGet: {path: {{ $svc.livenessPath }}, port: http}
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet: {path: {{ $svc.livenessPath }}, port: http}
            periodSeconds: 10
            timeoutSeconds: 3
          readinessProbe:
            httpGet: {path: {{ $svc.readinessPath }}, port: http}
            periodSeconds: 5
            timeoutSeconds: 3
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            {{- include "mercado.containerSecurityContext" . | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {sizeLimit: 64Mi}
{{- end -}}
