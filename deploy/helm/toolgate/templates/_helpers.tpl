{{/* Names */}}
{{- define "toolgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "toolgate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* "<fullname>-<component>", within the 63 characters of a DNS label. */}}
{{- define "toolgate.componentName" -}}
{{- printf "%s-%s" (include "toolgate.fullname" .root | trunc (int (sub 62 (len .component))) | trimSuffix "-") .component }}
{{- end }}

{{- define "toolgate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "toolgate.labels" -}}
helm.sh/chart: {{ include "toolgate.chart" . }}
app.kubernetes.io/name: {{ include "toolgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: toolgate
{{- end }}

{{/* Labels of one component: call with (dict "root" $ "component" "proxy"). */}}
{{- define "toolgate.componentLabels" -}}
{{ include "toolgate.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "toolgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "toolgate.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "toolgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "toolgate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "toolgate.runnerServiceAccountName" -}}
{{- if .Values.runner.serviceAccount.create }}
{{- default (include "toolgate.componentName" (dict "root" . "component" "runner")) .Values.runner.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.runner.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image of a component: call with (dict "root" $ "image" .Values.web.image). */}}
{{- define "toolgate.image" -}}
{{- $repository := .image.repository }}
{{- with .root.Values.image.registry }}
{{- $repository = printf "%s/%s" (trimSuffix "/" .) $repository }}
{{- end }}
{{- printf "%s:%s" $repository (default .root.Chart.AppVersion .root.Values.image.tag | toString) }}
{{- end }}

{{/* Secrets */}}

{{/* The chart's own Secret (key rings and URLs given as values). */}}
{{- define "toolgate.secretName" -}}
{{- include "toolgate.fullname" . }}
{{- end }}

{{- define "toolgate.keysSecretName" -}}
{{- default (include "toolgate.secretName" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* What the chart's Secret holds, as a map; empty when every value comes from elsewhere. */}}
{{- define "toolgate.secretData" -}}
{{- $data := dict }}
{{- if not .Values.secrets.existingSecret }}
{{- $_ := set $data "TOOLGATE_SECRET_KEYS" .Values.secrets.secretKeys }}
{{- $_ := set $data "TOOLGATE_SESSION_KEYS" .Values.secrets.sessionKeys }}
{{- with .Values.secrets.nextauthSecret }}
{{- $_ := set $data "NEXTAUTH_SECRET" . }}
{{- end }}
{{- end }}
{{- if and (not .Values.postgresql.enabled) (not .Values.externalDatabase.existingSecret) .Values.externalDatabase.url }}
{{- $_ := set $data "DATABASE_URL" .Values.externalDatabase.url }}
{{- end }}
{{- if and (not .Values.redis.enabled) (not .Values.externalRedis.existingSecret) .Values.externalRedis.url }}
{{- $_ := set $data "REDIS_URL" .Values.externalRedis.url }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/* Refuses values that cannot make a working deployment, naming what to set. */}}
{{- define "toolgate.validate" -}}
{{- if not .Values.secrets.existingSecret }}
{{- if or (not .Values.secrets.secretKeys) (not .Values.secrets.sessionKeys) }}
{{- fail "set secrets.secretKeys and secrets.sessionKeys (different key rings, see docs/kubernetes.md), or secrets.existingSecret" }}
{{- end }}
{{- if eq .Values.secrets.secretKeys .Values.secrets.sessionKeys }}
{{- fail "secrets.secretKeys and secrets.sessionKeys must be different key rings" }}
{{- end }}
{{- end }}
{{- if and (not .Values.postgresql.enabled) (not .Values.externalDatabase.url) (not .Values.externalDatabase.existingSecret) }}
{{- fail "set externalDatabase.url or externalDatabase.existingSecret (or postgresql.enabled for the bundled Bitnami chart)" }}
{{- end }}
{{- if and (not .Values.redis.enabled) (not .Values.externalRedis.url) (not .Values.externalRedis.existingSecret) }}
{{- fail "set externalRedis.url or externalRedis.existingSecret (or redis.enabled for the bundled Bitnami chart)" }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.web.host) (not .Values.ingress.mcp.hosts) }}
{{- fail "ingress.enabled needs ingress.web.host and/or ingress.mcp.hosts" }}
{{- end }}
{{- if and .Values.runner.enabled (not (has .Values.runner.backend (list "kubernetes" "sandbox" "process"))) }}
{{- fail "runner.backend must be kubernetes, sandbox or process" }}
{{- end }}
{{- end }}

{{/* Bitnami subchart names (their common.names.fullname). */}}
{{- define "toolgate.postgresql.fullname" -}}
{{- if .Values.postgresql.fullnameOverride }}
{{- .Values.postgresql.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains "postgresql" .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-postgresql" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "toolgate.redis.fullname" -}}
{{- if .Values.redis.fullnameOverride }}
{{- .Values.redis.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains "redis" .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-redis" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* DATABASE_URL (and what it is built from). */}}
{{- define "toolgate.databaseEnv" -}}
{{- if .Values.postgresql.enabled }}
{{- $pg := include "toolgate.postgresql.fullname" . }}
- name: TOOLGATE_POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ default $pg .Values.postgresql.auth.existingSecret }}
      key: password
- name: DATABASE_URL
  value: {{ printf "postgres://%s:$(TOOLGATE_POSTGRES_PASSWORD)@%s:5432/%s" .Values.postgresql.auth.username $pg .Values.postgresql.auth.database | quote }}
{{- else if .Values.externalDatabase.existingSecret }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalDatabase.existingSecret }}
      key: {{ .Values.externalDatabase.existingSecretKey }}
{{- else }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "toolgate.secretName" . }}
      key: DATABASE_URL
{{- end }}
{{- end }}

{{/* REDIS_URL (and what it is built from). */}}
{{- define "toolgate.redisEnv" -}}
{{- if .Values.redis.enabled }}
{{- $redis := include "toolgate.redis.fullname" . }}
{{- /* Bitnami names the primary's Service "-master" in both architectures. */}}
{{- $host := printf "%s-master" $redis }}
{{- if .Values.redis.auth.enabled }}
- name: TOOLGATE_REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ default $redis .Values.redis.auth.existingSecret }}
      key: {{ .Values.redis.auth.existingSecretPasswordKey }}
- name: REDIS_URL
  value: {{ printf "redis://:$(TOOLGATE_REDIS_PASSWORD)@%s:6379" $host | quote }}
{{- else }}
- name: REDIS_URL
  value: {{ printf "redis://%s:6379" $host | quote }}
{{- end }}
{{- else if .Values.externalRedis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalRedis.existingSecret }}
      key: {{ .Values.externalRedis.existingSecretKey }}
{{- else }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "toolgate.secretName" . }}
      key: REDIS_URL
{{- end }}
{{- end }}

{{/*
The environment of a long-running component: call with
(dict "root" $ "component" "proxy" "portVariable" "PROXY_PORT" "values" .Values.proxy).
*/}}
{{- define "toolgate.env" -}}
{{- $root := .root }}
{{- include "toolgate.validate" $root -}}
- name: HOST
  value: 0.0.0.0
- name: {{ .portVariable }}
  value: {{ .values.port | quote }}
- name: LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
- name: PUBLIC_WEB_URL
  value: {{ $root.Values.publicUrls.web | quote }}
- name: PUBLIC_MCP_URL
  value: {{ $root.Values.publicUrls.mcp | quote }}
{{- include "toolgate.databaseEnv" $root }}
{{- include "toolgate.redisEnv" $root }}
- name: TOOLGATE_SECRET_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "toolgate.keysSecretName" $root }}
      key: TOOLGATE_SECRET_KEYS
- name: TOOLGATE_SESSION_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "toolgate.keysSecretName" $root }}
      key: TOOLGATE_SESSION_KEYS
{{- if and $root.Values.runner.enabled (or (eq .component "web") (eq .component "proxy")) }}
{{- /* Self-hosted servers run on the runners, found through Redis. */}}
- name: TOOLGATE_RUNNERS
  value: "true"
{{- end }}
{{- if eq .component "runner" }}
{{- /* Proxies reach each runner pod at its own address, announced in Redis. */}}
- name: RUNNER_HOST
  value: 0.0.0.0
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: RUNNER_ADVERTISE_URL
  value: {{ printf "http://$(POD_IP):%v" .values.port | quote }}
{{- end }}
{{- if eq .component "web" }}
- name: NEXTAUTH_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "toolgate.keysSecretName" $root }}
      key: NEXTAUTH_SECRET
      optional: true
{{- end }}
{{- range $name, $value := mergeOverwrite (deepCopy $root.Values.env) .values.env }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* Checksum of the chart's Secret, so pods roll when a key ring or URL changes. */}}
{{- define "toolgate.podAnnotations" -}}
checksum/secret: {{ include "toolgate.secretData" .root | sha256sum }}
{{- with .values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Probes on the container port named http: call with the component's values. */}}
{{- define "toolgate.probes" -}}
startupProbe:
  httpGet:
    path: /healthz
    port: http
  {{- toYaml .Values.probes.startup | nindent 2 }}
livenessProbe:
  httpGet:
    path: /healthz
    port: http
  {{- toYaml .Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /readyz
    port: http
  {{- toYaml .Values.probes.readiness | nindent 2 }}
{{- end }}

{{/* Scheduling fields shared by every pod: call with the component's values. */}}
{{- define "toolgate.scheduling" -}}
{{- with .nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The pod template of a long-running component. Call with a dict:
  root, component, values (.Values.<component>), portVariable (WEB_PORT, ...),
  serviceAccountName, and optionally automountToken, extraEnv (a YAML list of env entries).
*/}}
{{- define "toolgate.podTemplate" -}}
{{- $root := .root }}
{{- $values := .values -}}
metadata:
  labels:
    {{- include "toolgate.componentLabels" . | nindent 4 }}
  annotations:
    {{- include "toolgate.podAnnotations" . | nindent 4 }}
spec:
  serviceAccountName: {{ .serviceAccountName }}
  automountServiceAccountToken: {{ default false .automountToken }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $values.terminationGracePeriodSeconds }}
  terminationGracePeriodSeconds: {{ . }}
  {{- end }}
  securityContext:
    {{- mergeOverwrite (deepCopy $root.Values.podSecurityContext) (default dict $values.podSecurityContext) | toYaml | nindent 4 }}
  containers:
    - name: {{ .component }}
      image: {{ include "toolgate.image" (dict "root" $root "image" $values.image) }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      command: [node, apps/cli/dist/toolgate.js, {{ .component }}]
      ports:
        - name: http
          containerPort: {{ $values.port }}
          protocol: TCP
      env:
        {{- include "toolgate.env" . | nindent 8 }}
        {{- with .extraEnv }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- with $root.Values.envFrom }}
      envFrom:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- include "toolgate.probes" $root | nindent 6 }}
      {{- with $values.preStopSeconds }}
      lifecycle:
        preStop:
          exec:
            command: [sleep, {{ . | quote }}]
      {{- end }}
      resources:
        {{- toYaml $values.resources | nindent 8 }}
      securityContext:
        {{- mergeOverwrite (deepCopy $root.Values.securityContext) (default dict $values.securityContext) | toYaml | nindent 8 }}
  {{- with (include "toolgate.scheduling" $values) }}
  {{- . | nindent 2 }}
  {{- end }}
{{- end }}
