{{- define "mercado.kubeService" -}}
{{- $service := .values.service | default dict -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "mercado.fullname" . }}
  labels:
    {{- include "mercado.labels" . | nindent 4 }}
spec:
  type: {{ $service.type | default "ClusterIP" }}
  selector:
    {{- include "mercado.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .svc.port }}
      targetPort: http
      protocol: TCP
      {{- if and (eq ($service.type | default "ClusterIP") "NodePort") $service.nodePort }}
      nodePort: {{ $service.nodePort }}
      {{- end }}
{{- end -}}

{{/*
Who may reach a service, from the topology: a public service admits everyone; any other
only the shop's components that call it (none: nobody).
*/}}
{{- define "mercado.networkPolicy" -}}
{{- $shop := .shop -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "mercado.fullname" . }}
  labels:
    {{- include "mercado.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "mercado.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  {{- if .svc.public }}
  ingress:
    - ports:
        - {port: http, protocol: TCP}
  {{- else if .svc.callers }}
  ingress:
    - from:
        {{- range .svc.callers }}
        - podSelector:
            matchLabels:
              {{- include "mercado.selectorLabels" (dict "shop" $shop "name" .) | nindent 14 }}
        {{- end }}
      ports:
        - {port: http, protocol: TCP}
  {{- else }}
  ingress: []
  {{- end }}
{{- end -}}

{{/* Admits only the listed components of the shop to a port. Scope: root, shop, name, version, from, port. */}}
{{- define "mercado.infraNetworkPolicy" -}}
{{- $shop := .shop -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "mercado.fullname" . }}
  labels:
    {{- include "mercado.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "mercado.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress]
  {{- if .from }}
  ingress:
    - from:
        {{- range .from }}
        - podSelector:
            matchLabels:
              {{- include "mercado.selectorLabels" (dict "shop" $shop "name" .) | nindent 14 }}
        {{- end }}
      ports:
        {{- range .ports }}
        - {port: {{ . }}, protocol: TCP}
        {{- end }}
  {{- else }}
  ingress: []
  {{- end }}
{{- end -}}

{{/* An Ingress to a public service (values.ingress: className, host). */}}
{{- define "mercado.ingress" -}}
{{- $ingress := .values.ingress -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "mercado.fullname" . }}
  labels:
    {{- include "mercado.labels" . | nindent 4 }}
spec:
  {{- with $ingress.className }}
  ingressClassName: {{ . }}
  {{- end }}
  rules:
    - {{- with $ingress.host }}
      host: {{ . | quote }}
      {{- end }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{ include "mercado.fullname" . }}
                port: {name: http}
{{- end -}}
