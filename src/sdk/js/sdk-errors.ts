/** The SDK's errors, with the names of the Python SDK's (and Orchest's) errors. */
export class SdkError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
export class PipelineDefinitionNotFoundError extends SdkError {}
export class StepUUIDResolveError extends SdkError {}
export class OutputsDirNotSetError extends SdkError {}
export class SerializationError extends SdkError {}
export class DeserializationError extends SdkError {}
export class OutputNotFoundError extends SdkError {}
/** What getInputs throws for a parent without (readable) output, as Orchest's disk store did. */
export class DiskOutputNotFoundError extends OutputNotFoundError {}
/** A step's output record (HEAD) cannot be read: the `cause` of a DiskOutputNotFoundError. */
export class InvalidMetaDataError extends SdkError {}
export class InputNameCollisionError extends SdkError {}
export class DataInvalidNameError extends SdkError {}
export class ServiceNotFound extends SdkError {}
