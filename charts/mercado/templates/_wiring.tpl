{{/* How the shop is put together, from the values (see mercado.component in mercado-lib). */}}
{{- define "mercado.umbrella.wiring" -}}
{{- $shop := include "mercado.shop" . -}}
{{- $v := .Values -}}
{{- $db := dict "mode" "managed" "host" (printf "%s-postgresql" $shop) "port" 5432 -}}
{{- if not $v.database.managed.enabled -}}
{{- if not $v.database.external.secretName -}}
{{- fail "database.external.secretName is required when database.managed.enabled is false" -}}
{{- end -}}
{{- $db = dict "mode" "external" "secretName" $v.database.external.secretName -}}
{{- end -}}
{{- $nats := printf "nats://%s-nats:4222" $shop -}}
{{- if not $v.messaging.managed.enabled -}}
{{- $nats = $v.messaging.external.url | required "messaging.external.url is required when messaging.managed.enabled is false" -}}
{{- end -}}
{{- $smtpHost := $v.notifications.smtp.host -}}
{{- if not $smtpHost -}}
{{- if not $v.mailcatcher.enabled -}}
{{- fail "notifications.smtp.host is required when mailcatcher.enabled is false" -}}
{{- end -}}
{{- $smtpHost = printf "%s-mailcatcher" $shop -}}
{{- end -}}
{{- $urls := dict -}}
{{- if $v.payment.bank.url -}}
{{- $_ := set $urls "bank" $v.payment.bank.url -}}
{{- else if not $v.bank.enabled -}}
{{- fail "payment.bank.url is required when bank.enabled is false" -}}
{{- end -}}
{{- $o := $v.global.observability -}}
{{- toJson (dict
  "database" $db
  "natsUrl" $nats
  "smtp" (dict "host" $smtpHost "port" $v.notifications.smtp.port "from" $v.notifications.smtp.from)
  "urls" $urls
  "tracing" $o.tracing
  "serviceMonitor" $o.serviceMonitor) -}}
{{- end -}}

