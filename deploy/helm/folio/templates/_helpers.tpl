{{/*
Names, labels and the addresses the pieces find each other by. Object names are fixed
(one release per namespace, as in deploy/k8s): see values.yaml.
*/}}

{{/* The chart's name and version, for the helm.sh/chart label. */}}
{{- define "folio.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
The labels every object carries. Call with (dict "root" $ "name" "folio-db"): name is
the component's app.kubernetes.io/name, the one its selectors use.
*/}}
{{- define "folio.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: folio
helm.sh/chart: {{ include "folio.chart" .root }}
{{- end -}}

{{/*
What a selector matches: the component's name alone, as in deploy/k8s (selectors are
immutable, and a version or release label in them would block upgrades).
*/}}
{{- define "folio.selectorLabels" -}}
app.kubernetes.io/name: {{ .name }}
{{- end -}}

{{/* An image reference from {repository, tag}. */}}
{{- define "folio.image" -}}
{{- printf "%s:%s" .repository (toString .tag) -}}
{{- end -}}

{{/* The Secret with database-url, s3-key-id and s3-secret. */}}
{{- define "folio.secretName" -}}
{{- default "folio" .Values.secret.existingSecret -}}
{{- end -}}

{{/* The Secret with the bundled MariaDB's password (key `password`). */}}
{{- define "folio.dbSecretName" -}}
{{- default "folio-db" .Values.mariadb.auth.existingSecret -}}
{{- end -}}

{{/*
The database URL for the chart's Secret: secret.databaseUrl, or the bundled MariaDB's
from mariadb.auth (the password percent-encoded for a URL's user part).
*/}}
{{- define "folio.databaseUrl" -}}
{{- if .Values.secret.databaseUrl -}}
{{- .Values.secret.databaseUrl -}}
{{- else if not .Values.mariadb.enabled -}}
{{- fail "secret.databaseUrl is required when mariadb.enabled is false (or name your own Secret in secret.existingSecret)" -}}
{{- else if .Values.mariadb.auth.existingSecret -}}
{{- fail "with mariadb.auth.existingSecret the chart does not know the password: give secret.databaseUrl, or secret.existingSecret" -}}
{{- else -}}
{{- $auth := .Values.mariadb.auth -}}
{{- printf "mysql://%s:%s@db:3306/%s" $auth.username (urlquery $auth.password | replace "+" "%20") $auth.database -}}
{{- end -}}
{{- end -}}

{{/* FOLIO_BASE_URL. */}}
{{- define "folio.baseUrl" -}}
{{- default (printf "https://%s" .Values.ingress.host) .Values.config.baseUrl -}}
{{- end -}}

{{/* The S3 endpoint: the bundled Garage's Service, or s3.endpoint (may be empty). */}}
{{- define "folio.s3Endpoint" -}}
{{- if .Values.garage.enabled -}}
http://s3:3900
{{- else -}}
{{- .Values.s3.endpoint -}}
{{- end -}}
{{- end -}}

{{/* The Redis URL: the bundled Redis's Service, or redis.url (may be empty). */}}
{{- define "folio.redisUrl" -}}
{{- if .Values.redis.enabled -}}
redis://redis:6379
{{- else -}}
{{- .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{/*
The pods' security context for Folio's own image (user 10001) and the containers'
(read-only root, no privilege escalation, no capabilities): the web tier and the Job.
*/}}
{{- define "folio.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: ["ALL"]}
{{- end -}}

{{/* The Secret's volume and its mount, shared by the web tier, the Job and Garage. */}}
{{- define "folio.secretMount" -}}
{name: secret, mountPath: /run/secrets/folio, readOnly: true}
{{- end -}}
