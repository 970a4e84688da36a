{{/*
Helpers of the chart stowage generates. Every object of a service is named after the service, as in the
Kustomize base, so the chart and `kubectl kustomize overlays/prod` deploy the same objects.
The argument of the service helpers is (dict "root" $ "name" $name "svc" $svc).
*/}}

{{/* The labels every object of a service carries. */}}
{{- define "stowage.labels" -}}
app.kubernetes.io/component: {{ .svc.kind | quote }}
app.kubernetes.io/instance: {{ .root.Release.Name | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service | quote }}
app.kubernetes.io/name: {{ .name | quote }}
app.kubernetes.io/part-of: {{ .root.Chart.Name | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" | quote }}
{{- end }}

{{/* The labels of a service's pods: no release or chart version, so an upgrade does not change them. */}}
{{- define "stowage.podLabels" -}}
app.kubernetes.io/component: {{ .svc.kind | quote }}
app.kubernetes.io/instance: {{ .root.Release.Name | quote }}
app.kubernetes.io/name: {{ .name | quote }}
app.kubernetes.io/part-of: {{ .root.Chart.Name | quote }}
{{- end }}

{{/* The selector of a service's pods. */}}
{{- define "stowage.selector" -}}
app.kubernetes.io/name: {{ .name | quote }}
{{- end }}

{{/* Whether a service listens on a port that a Service, an HPA and probes can use (not a job). */}}
{{- define "stowage.serves" -}}
{{- if and .svc.port (ne .svc.kind "job") }}true{{ end }}
{{- end }}

{{/* Whether the HorizontalPodAutoscaler owns the service's scale (then the Deployment sets no replicas). */}}
{{- define "stowage.autoscaled" -}}
{{- if and .root.Values.autoscaling.enabled (include "stowage.serves" .) }}true{{ end }}
{{- end }}

{{/* checkov checks that cannot pass by design, skipped with their reason. */}}
{{- define "stowage.skips" -}}
{{- $skips := list "CKV_K8S_43=images are referenced by tag; pin a digest at deploy time to verify them" }}
{{- $secret := false }}
{{- range .svc.env }}{{ if .secret }}{{ $secret = true }}{{ end }}{{ end }}
{{- if $secret }}
{{- $skips = append $skips "CKV_K8S_35=the app reads its secrets from variables, not files" }}
{{- end }}
{{- if not (include "stowage.serves" .) }}
{{- $skips = append $skips "CKV_K8S_8=no endpoint to probe: the process has no port" }}
{{- $skips = append $skips "CKV_K8S_9=no endpoint to probe: the process has no port" }}
{{- end }}
{{- range $i, $skip := $skips }}
checkov.io/skip{{ add1 $i }}: {{ $skip | quote }}
{{- end }}
{{- end }}

{{/* A probe on the health path, or on the port when the app has none. */}}
{{- define "stowage.probe" -}}
{{- if .path }}
httpGet:
  path: {{ .path | quote }}
  port: "http"
{{- else }}
tcpSocket:
  port: "http"
{{- end }}
periodSeconds: {{ .period }}
failureThreshold: {{ .failures }}
{{- end }}

{{/* The pod spec of a service: the restricted Pod Security profile, read-only root with emptyDirs where it
writes, no service-account token. */}}
{{- define "stowage.podSpec" -}}
{{- $root := .root }}
{{- $svc := .svc }}
{{- $name := .name }}
{{- $sc := $root.Values.securityContext }}
serviceAccountName: {{ $name | quote }}
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  runAsUser: {{ $sc.runAsUser }}
  runAsGroup: {{ $sc.runAsGroup }}
  fsGroup: {{ $sc.runAsGroup }}
  seccompProfile:
    type: "RuntimeDefault"
{{- if eq $svc.kind "job" }}
restartPolicy: "OnFailure"
{{- else }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: "kubernetes.io/hostname"
    whenUnsatisfiable: "ScheduleAnyway"
    labelSelector:
      matchLabels:
        {{- include "stowage.selector" . | nindent 8 }}
{{- end }}
containers:
  - name: {{ $name | quote }}
    image: {{ printf "%s:%s" $svc.image.repository $svc.image.tag | quote }}
    imagePullPolicy: {{ $root.Values.imagePullPolicy | quote }}
    {{- if and (eq $svc.kind "job") $svc.command }}
    command:
      - "/bin/sh"
      - "-c"
      - {{ $svc.command | quote }}
    {{- end }}
    {{- if include "stowage.serves" . }}
    ports:
      - name: "http"
        containerPort: {{ $svc.port }}
        protocol: "TCP"
    {{- end }}
    envFrom:
      - configMapRef:
          name: {{ printf "%s-config" $name | quote }}
    {{- with $svc.env }}
    env:
      {{- range . }}
      - name: {{ .name | quote }}
        valueFrom:
          {{- if .secret }}
          secretKeyRef:
            name: {{ printf "%s-secrets" $name | quote }}
            key: {{ .name | quote }}
            optional: false
          {{- else }}
          configMapKeyRef:
            name: {{ printf "%s-env" $name | quote }}
            key: {{ .name | quote }}
            optional: true
          {{- end }}
      {{- end }}
    {{- end }}
    resources:
      {{- toYaml (default $root.Values.resources $svc.resources) | nindent 6 }}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      runAsNonRoot: true
      runAsUser: {{ $sc.runAsUser }}
      runAsGroup: {{ $sc.runAsGroup }}
      capabilities:
        drop:
          - "ALL"
    {{- if include "stowage.serves" . }}
    {{- $ready := $svc.readinessPath | default $svc.healthPath }}
    startupProbe:
      {{- include "stowage.probe" (dict "path" $svc.healthPath "period" 5 "failures" 30) | nindent 6 }}
    readinessProbe:
      {{- include "stowage.probe" (dict "path" $ready "period" 10 "failures" 3) | nindent 6 }}
    livenessProbe:
      {{- include "stowage.probe" (dict "path" $svc.healthPath "period" 20 "failures" 3) | nindent 6 }}
    {{- end }}
    volumeMounts:
      - name: "tmp"
        mountPath: "/tmp"
      {{- range $i, $path := $svc.writablePaths }}
      - name: {{ printf "writable-%d" (add1 $i) | quote }}
        mountPath: {{ $path | quote }}
      {{- end }}
      {{- if $svc.secretFiles }}
      - name: "secrets"
        mountPath: "/run/secrets"
        readOnly: true
      {{- end }}
volumes:
  - name: "tmp"
    emptyDir: {}
  {{- range $i, $path := $svc.writablePaths }}
  - name: {{ printf "writable-%d" (add1 $i) | quote }}
    emptyDir: {}
  {{- end }}
  {{- with $svc.secretFiles }}
  - name: "secrets"
    secret:
      secretName: {{ printf "%s-secrets" $name | quote }}
      items:
        {{- range . }}
        - key: {{ . | quote }}
          path: {{ . | quote }}
        {{- end }}
  {{- end }}
{{- end }}
