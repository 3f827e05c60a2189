"""The SDK's errors: every class of Orchest's ``orchest.error`` (orchest-sdk 0.3.x), same names and
bases, plus Berth's OutputsDirNotSetError."""


class Error(Exception):
    """Base class of every SDK error."""


class PipelineDefinitionNotFoundError(Error):
    """The pipeline definition cannot be read (ORCHEST_PIPELINE_PATH, or the pipeline a notebook is a step of)."""


class StepUUIDResolveError(Error):
    """The step running this code is unknown (ORCHEST_STEP_UUID is not set or not in the pipeline)."""


class SerializationError(Error):
    """An object cannot be written with the asked serialization."""


class DeserializationError(Error):
    """A parent's output cannot be read back."""


class ObjectNotFoundError(Error):
    """Orchest's in-memory store had no such object. Berth has no memory store: never raised."""


class OutputNotFoundError(Error):
    """A parent step has no output."""


class DiskOutputNotFoundError(OutputNotFoundError):
    """Orchest's disk-specific OutputNotFoundError (what Berth raises)."""


class MemoryOutputNotFoundError(OutputNotFoundError):
    """Orchest's memory-specific OutputNotFoundError. Berth has no memory store: never raised."""


class OrchestNetworkError(Error):
    """A server did not answer: raised when a notebook's Jupyter server cannot be asked which
    notebook a kernel runs."""


class InputNameCollisionError(Error):
    """Two parents' outputs have the same name."""


class DataInvalidNameError(Error):
    """An output name is not allowed (not a str or None, reserved, or with a forbidden character)."""


class ServiceNotFound(Error):
    """No service of this pipeline has the name asked for."""


class InvalidMetaDataError(Error):
    """A step's output record (HEAD) cannot be read. get_inputs raises it as the cause of a
    DiskOutputNotFoundError, as Orchest treated such an output as missing."""

    helper_message = "Rerun the step that produced the data to write it again."

    def __init__(self, msg="", *args):
        super().__init__(f"{msg} {self.helper_message}" if msg else self.helper_message, *args)


class UnrecognizedSessionType(Error):
    """ORCHEST_SESSION_TYPE is neither "interactive" nor "noninteractive"."""


class SessionNotFound(Error):
    """Orchest's orchest-api knew no such session. Berth reads services from the pipeline
    definition: never raised."""


class OutputsDirNotSetError(Error):
    """BERTH_OUTPUTS_DIR is not set: the code does not run as a Berth step."""
