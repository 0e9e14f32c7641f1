"""Turning ECS names into names Kubernetes accepts, for the pod translation."""

from __future__ import annotations

import hashlib
import re

from .errors import TranslationError

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
MAX_LABEL_LENGTH = 63
MAX_SUBDOMAIN_LENGTH = 253
MAX_PORT_NAME_LENGTH = 15

ANNOTATION_PREFIX = "ecs.operator.dev"
_ANNOTATION_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_ANNOTATION_FORBIDDEN = re.compile(r"[^-A-Za-z0-9_.]")


def dns_label(raw: str, path: str) -> str:
    """ECS allows upper case and underscores where Kubernetes wants a DNS-1123 label."""
    name = raw.lower().replace("_", "-")
    if len(name) > MAX_LABEL_LENGTH or not DNS1123_LABEL.match(name):
        raise TranslationError(
            f'{path}: "{raw}" does not make a Kubernetes name: after lowercasing and replacing '
            f'"_" with "-" it must be at most {MAX_LABEL_LENGTH} letters, digits and "-", '
            f"starting and ending with a letter or digit")
    return name


def is_dns_subdomain(name: str) -> bool:
    return len(name) <= MAX_SUBDOMAIN_LENGTH and bool(DNS1123_SUBDOMAIN.match(name))


def port_name(raw: str, path: str) -> str:
    """An IANA service name: at most 15 characters, with a letter, no "--"."""
    name = raw.lower().replace("_", "-")[:MAX_PORT_NAME_LENGTH].strip("-")
    valid = (DNS1123_LABEL.match(name) and "--" not in name
             and any(character.isalpha() for character in name))
    if not valid:
        raise TranslationError(
            f'{path}: "{raw}" does not make a Kubernetes port name: its first '
            f"{MAX_PORT_NAME_LENGTH} characters, lowercased, must be letters, digits and single "
            f'"-", with at least one letter')
    return name


def annotation_key(name: str) -> str:
    """``ecs.operator.dev/<name>``, with the name part made valid (at most 63 characters).

    A name cut short gets a hash of the full name so that two long names stay distinct.
    """
    cleaned = _ANNOTATION_FORBIDDEN.sub("-", name)
    if len(cleaned) > MAX_LABEL_LENGTH:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        cleaned = f"{cleaned[:MAX_LABEL_LENGTH - len(digest) - 1]}-{digest}"
    cleaned = cleaned.strip("-_.") or "x"
    if not _ANNOTATION_NAME.match(cleaned):
        cleaned = f"x{cleaned}x"[:MAX_LABEL_LENGTH]
    return f"{ANNOTATION_PREFIX}/{cleaned}"
