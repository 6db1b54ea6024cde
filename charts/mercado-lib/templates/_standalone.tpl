{{/*
One service on its own (the thin per-service charts): it joins a shop whose NATS, database
and peers already run. Its values: the service's keys (replicas, image, resources,
autoscaling, ...) at the top level, plus
  database.secretName  a Secret with the service's database URL under the service's name
  messaging.url        the NATS URL; empty: nats://<shop>-nats:4222
  bank.url, smtp.host  (payment, notifications) the bank and the SMTP server; empty:
                       <shop>-bank and <shop>-mailcatcher
The services it calls are reached at http://<shop>-<service>:<port>.
and global.secrets.existingSecret, the Secret with the shop's tokens.
Scope: the chart's top-level context; the service is the chart's name.
*/}}
{{- define "mercado.standalone" -}}
{{- $topology := include "mercado.topology" . | fromJson -}}
{{- $name := .Chart.Name -}}
{{- $svc := get $topology.services $name -}}
{{- $shop := include "mercado.shop" . -}}
{{- $v := .Values -}}
{{- if not $v.global.secrets.existingSecret -}}
{{- fail "global.secrets.existingSecret is required: the Secret with the shop's tokens" -}}
{{- end -}}
{{- $db := dict "mode" "none" -}}
{{- if $svc.database -}}
{{- $db = dict "mode" "external" "secretName" ($v.database.secretName | required "database.secretName is required: a Secret with this service's database URL") -}}
{{- end -}}
{{- $smtp := dict -}}
{{- if $svc.mail -}}
{{- $smtp = dict "host" ($v.smtp.host | default (printf "%s-mailcatcher" $shop)) "port" $v.smtp.port "from" $v.smtp.from -}}
{{- end -}}
{{- $urls := dict -}}
{{- if and $v.bank $v.bank.url }}{{ $_ := set $urls "bank" $v.bank.url }}{{ end -}}
{{- $wiring := dict
  "database" $db
  "natsUrl" (($v.messaging | default dict).url | default (printf "nats://%s-nats:4222" $shop))
  "smtp" $smtp
  "urls" $urls
  "tracing" $v.global.observability.tracing
  "serviceMonitor" $v.global.observability.serviceMonitor -}}
{{ include "mercado.component" (dict "root" . "shop" $shop "name" $name "values" $v "wiring" $wiring) }}
{{- end -}}
