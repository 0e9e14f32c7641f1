"""The command group, options every command shares, and how results are printed."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

import click
import yaml

OUTPUTS = ("table", "json", "yaml")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ecs-operator", prog_name="kubectl-ecs")
def cli() -> None:
    """ECS's command line for ecs-operator: `aws ecs` commands against Kubernetes.

    The namespace is the ECS cluster (--namespace, or --cluster as aws-cli spells it); the
    kubeconfig and context are found as kubectl finds them.
    """


@dataclass
class Session:
    """Where a command works: kubeconfig, context, namespace. Connects on first use."""
    kubeconfig: str | None = None
    context: str | None = None
    namespace_option: str | None = None
    output: str = "table"
    _namespace: str | None = field(default=None, repr=False)

    @property
    def namespace(self) -> str:
        if self._namespace is None:
            from .. import k8s
            configured = k8s.load_kubeconfig(self.kubeconfig, self.context)
            self._namespace = self.namespace_option or configured
        return self._namespace


def common_options(command: Callable) -> Callable:
    """--kubeconfig, --context, -n/--namespace (alias --cluster) and -o/--output."""
    @click.option("--kubeconfig", envvar=None, default=None,
                  help="Path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config).")
    @click.option("--context", default=None, help="The kubeconfig context to use.")
    @click.option("-n", "--namespace", "--cluster", "namespace", default=None,
                  help="Namespace, standing for the ECS cluster (default: the context's).")
    @click.option("-o", "--output", type=click.Choice(OUTPUTS), default="table",
                  show_default=True, help="table for people; json/yaml in ECS's response shape.")
    @functools.wraps(command)
    def wrapper(kubeconfig, context, namespace, output, **kwargs):
        session = Session(kubeconfig=kubeconfig, context=context, namespace_option=namespace,
                          output=output)
        return command(session, **kwargs)
    return wrapper


def emit(session: Session, response: dict, human: Callable[[dict], str]) -> None:
    """Print the ECS-shaped response, or its human rendering."""
    if session.output == "json":
        click.echo(json.dumps(response, indent=4, sort_keys=False))
    elif session.output == "yaml":
        click.echo(yaml.safe_dump(response, sort_keys=False), nl=False)
    else:
        click.echo(human(response))


def progress(message: str) -> None:
    """Progress for people, on stderr so stdout stays parseable."""
    click.echo(message, err=True)


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def api_errors(command: Callable) -> Callable:
    """API errors become one readable line and exit status 1, not a traceback."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from kubernetes.client.rest import ApiException
        from kubernetes.config import ConfigException
        try:
            return command(*args, **kwargs)
        except ApiException as error:
            detail = error.reason
            try:
                detail = json.loads(error.body).get("message", detail)
            except (TypeError, ValueError):
                pass
            fail(f"the API server answered {error.status}: {detail}")
        except ConfigException as error:
            fail(f"no usable kubeconfig: {error}")
    return wrapper
