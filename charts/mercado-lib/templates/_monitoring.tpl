{{/* Rendered only when the Prometheus Operator's API (monitoring.coreos.com/v1) exists. */}}
{{- define "mercado.serviceMonitor" -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "mercado.fullname" . }}
  labels:
    {{- include "mercado.labels" . | nindent 4 }}
spec:
  selector:
    matchLabels:
      {{- include "mercado.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: /metrics
      interval: 30s
{{- end -}}
