# Shared by the cluster scripts: where the local cluster lives.
CLUSTER_NAME="${ECS_CLUSTER_NAME:-ecs-operator}"
KUBECONFIG_PATH="${ECS_CLUSTER_KUBECONFIG:-$ROOT/.cluster/kubeconfig}"
# kwokctl keeps each cluster's pki, logs and etcd data under its workdir.
export KWOK_WORKDIR="${KWOK_WORKDIR:-$ROOT/.cluster/kwok}"
export KWOK_KUBE_VERSION="$KUBERNETES_VERSION"
