"""The pipeline's services as Orchest described them to steps: ``orchest.services``.

A service's entry is its definition (without ``scope``) plus ``internal_hostname`` (the name
steps reach it by: ``<name>-<session uuid>``, or ``BERTH_SERVICES_HOST`` when Berth sets it because
the services run on the host, e.g. 127.0.0.1 on the process runtime), ``external_urls`` and ``base_paths`` per port.
Every service of the pipeline is listed, whatever its scope, as Orchest's SDK did: in a job run
(noninteractive) the pipeline definition's ``services``, in an interactive session the services the
session was started with (the pipeline's, unfiltered).
"""
import copy

from . import config
from .error import ServiceNotFound
from .pipeline import load_pipeline

__all__ = ["get_service", "get_services"]


def _describe(service):
    service = copy.deepcopy(service)
    service.pop("scope", None)
    session = config.session_uuid()
    hostname = config.services_host() or f"{service['name']}-{session}"
    external_urls = {}
    base_paths = {}
    for port in service.get("ports", []):
        prefix = ("pbp-" if service.get("preserve_base_path") else "") + f"service-{service['name']}-{session}_{port}"
        base_paths[port] = "/" + prefix
        external_urls[port] = "http://{host_name}:{port}/" + prefix
    service["internal_hostname"] = hostname
    service["external_urls"] = external_urls
    service["base_paths"] = base_paths
    return service


def _specs():
    # Orchest listed every service of the pipeline (whatever its scope), and refused an unknown session type.
    config.session_type()
    return dict(load_pipeline().get("services", {}) or {})


def get_service(name):
    """One service by name. Raises ServiceNotFound when this session has no such service."""
    specs = _specs()
    if name not in specs:
        known = ", ".join(sorted(specs)) or "none"
        raise ServiceNotFound(f"Could not find service with name {name} (this session's services: {known})")
    return _describe(specs[name])


def get_services():
    """Every service of this session, by name."""
    return {name: _describe(spec) for name, spec in _specs().items()}
