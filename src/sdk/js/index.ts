/**
 * Berth's step SDK for JavaScript and TypeScript steps: `import { getInputs, output } from 'berth'`
 * works in every .js/.mjs/.ts step Berth runs (the step launcher registers the specifier).
 */
export { getInputs, output, outputTable, outputToDisk, type Inputs, type OutputOptions } from './transfer.ts';
export type { Column, Columns } from './columns.ts';
export { getParams, getPipelineParam, getStepParam } from './parameters.ts';
export { getService, getServices, type ServiceInfo } from './services.ts';
export { MAX_NAME_BYTES } from './output-names.ts';
export { SERIALIZATIONS, type Serialization } from './serialization.ts';
export {
  DataInvalidNameError,
  DeserializationError,
  DiskOutputNotFoundError,
  InputNameCollisionError,
  InvalidMetaDataError,
  OutputNotFoundError,
  OutputsDirNotSetError,
  PipelineDefinitionNotFoundError,
  SdkError,
  SerializationError,
  ServiceNotFound,
  StepUUIDResolveError,
} from './sdk-errors.ts';
