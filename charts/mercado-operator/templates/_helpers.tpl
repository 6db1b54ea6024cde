{{- define "mercado-operator.labels" -}}
app.kubernetes.io/name: mercado-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: mercado
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "mercado-operator.selector" -}}
app.kubernetes.io/name: mercado-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
