"""The SDK's errors, with Orchest's names (``orchest.error``)."""


class Error(Exception):
    """Base class of every SDK error."""


class PipelineDefinitionNotFoundError(Error):
    """The run's pipeline definition (ORCHEST_PIPELINE_PATH) cannot be read."""


class StepUUIDResolveError(Error):
    """The step running this code is unknown (ORCHEST_STEP_UUID is not set or not in the pipeline)."""


class SerializationError(Error):
    """An object cannot be written with the asked serialization."""


class DeserializationError(Error):
    """A parent's output cannot be read back."""


class OutputNotFoundError(Error):
    """A parent step has no output."""


class DiskOutputNotFoundError(OutputNotFoundError):
    """Orchest's disk-specific OutputNotFoundError."""


class InputNameCollisionError(Error):
    """Two parents' outputs have the same name."""


class DataInvalidNameError(Error):
    """An output name is not allowed."""


class ServiceNotFound(Error):
    """No service of this pipeline has the name asked for."""


class OutputsDirNotSetError(Error):
    """BERTH_OUTPUTS_DIR is not set: the code does not run as a Berth step."""
