"""Berth's step SDK, importable as ``berth`` and as ``orchest`` (Orchest's module layout, the whole
public surface of orchest-sdk 0.3.x).

    import orchest
    data = orchest.get_inputs()
    orchest.output(result, name="result")
"""
from . import config, error, parameters, pipeline, serialization, services, store, transfer, utils
from ._version import __version__
from .config import Config
from .parameters import get_params, get_pipeline_param, get_step_param
from .serialization import Serialization
from .services import get_service, get_services
from .transfer import get_inputs, output, output_to_disk, output_to_memory

__all__ = [
    "Config",
    "Serialization",
    "__version__",
    "get_inputs",
    "get_params",
    "get_pipeline_param",
    "get_service",
    "get_services",
    "get_step_param",
    "output",
    "output_to_disk",
    "output_to_memory",
]
