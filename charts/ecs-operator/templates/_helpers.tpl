{{- define "ecs-operator.name" -}}ecs-operator{{- end -}}

{{- define "ecs-operator.labels" -}}
app.kubernetes.io/name: ecs-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "ecs-operator.selector" -}}
app.kubernetes.io/name: ecs-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ecs-operator.fullname" -}}{{ .Release.Name }}-ecs-operator{{- end -}}

{{- define "ecs-operator.roleKind" -}}{{ if eq .Values.scope "cluster" }}ClusterRole{{ else }}Role{{ end }}{{- end -}}

{{- define "ecs-operator.apiName" -}}{{ .Release.Name }}-ecs-operator-api{{- end -}}

{{- define "ecs-operator.apiSelector" -}}
app.kubernetes.io/name: ecs-operator-api
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
