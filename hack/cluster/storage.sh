#!/usr/bin/env bash
# Storage on the local cluster, where nothing provisions volumes: a default StorageClass
# (local-pool, no provisioner) and a pool of pre-made hostPath PersistentVolumes that the real
# PV controller binds claims to. A PersistentVolumeClaim without a storageClassName (what the
# operator creates for an autoprovisioned Docker volume) gets the default class and binds to
# a free volume of the pool. Volumes released by deleted claims are made available again here,
# so every run of up.sh starts with the whole pool free. KWOK's pods mount nothing: the
# hostPath directories are never created.
set -euo pipefail
POOL_SIZE="${ECS_CLUSTER_VOLUME_POOL:-24}"
POOL_LABEL="local.ecs.operator.dev/volume-pool"

kubectl apply --server-side -f - >/dev/null <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local-pool
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/no-provisioner
reclaimPolicy: Retain
volumeBindingMode: Immediate
YAML

for name in $(kubectl get pv -l "$POOL_LABEL" \
    -o jsonpath='{range .items[?(@.status.phase=="Released")]}{.metadata.name}{"\n"}{end}'); do
  kubectl patch pv "$name" --type json -p '[{"op": "remove", "path": "/spec/claimRef"}]' >/dev/null
done

volumes=()
for index in $(seq -w 1 "$POOL_SIZE"); do
  volumes+=("{\"apiVersion\": \"v1\", \"kind\": \"PersistentVolume\",
    \"metadata\": {\"name\": \"local-pool-$index\", \"labels\": {\"$POOL_LABEL\": \"true\"}},
    \"spec\": {\"storageClassName\": \"local-pool\", \"capacity\": {\"storage\": \"10Gi\"},
      \"accessModes\": [\"ReadWriteOnce\", \"ReadWriteMany\"],
      \"persistentVolumeReclaimPolicy\": \"Retain\",
      \"hostPath\": {\"path\": \"/var/lib/ecs-operator-local/pv-$index\"}}}")
done
(IFS=,; echo "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [${volumes[*]}]}") |
  kubectl apply --server-side -f - >/dev/null
printf 'storage: default StorageClass local-pool, %s of %s pool volumes available\n' \
  "$(kubectl get pv -l "$POOL_LABEL" -o jsonpath='{range .items[?(@.status.phase=="Available")]}x{end}' | wc -c)" \
  "$POOL_SIZE"
