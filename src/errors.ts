/**
 * Typed errors. Every error Fovea raises on bad input is a `FoveaError` with a stable `code`,
 * and its message says what was expected and what was found.
 */
export class FoveaError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A tensor or layer shape that cannot work (mismatched dims, non-positive output size). */
export class ShapeError extends FoveaError {
  constructor(message: string) {
    super('E_SHAPE', message);
  }
}

/** A file whose bytes are not what its format requires (bad magic, truncated, lying header). */
export class FormatError extends FoveaError {
  constructor(message: string, readonly file?: string) {
    super('E_FORMAT', file ? `${file}: ${message}` : message);
  }
}

/** A dataset whose contents disagree with themselves (counts differ, label out of range). */
export class DatasetError extends FoveaError {
  constructor(message: string) {
    super('E_DATASET', message);
  }
}

/** A file or directory that should exist and does not. */
export class NotFoundError extends FoveaError {
  constructor(message: string) {
    super('E_NOT_FOUND', message);
  }
}

/** An argument, flag or option outside what is allowed. */
export class ArgumentError extends FoveaError {
  constructor(message: string) {
    super('E_ARGUMENT', message);
  }
}

/** A name (zoo model, layer type, optimizer, dataset) that Fovea does not know. */
export class UnknownNameError extends FoveaError {
  constructor(kind: string, name: string, known: readonly string[]) {
    super('E_UNKNOWN_NAME', `unknown ${kind} '${name}'; known: ${known.join(', ')}`);
  }
}

/** A model file (model.json / weights.safetensors) that does not describe a valid model. */
export class ModelFileError extends FoveaError {
  constructor(message: string, readonly file?: string) {
    super('E_MODEL_FILE', file ? `${file}: ${message}` : message);
  }
}

/** Training diverged: a loss or gradient became NaN or infinite. */
export class NumericalError extends FoveaError {
  constructor(message: string) {
    super('E_NUMERICAL', message);
  }
}

/** A resource limit reached: memory the backend cannot get, threads the host refuses. */
export class ResourceError extends FoveaError {
  constructor(message: string) {
    super('E_RESOURCE', message);
  }
}

/** A training checkpoint that cannot be resumed: another model or optimizer, or damaged state. */
export class CheckpointError extends FoveaError {
  constructor(message: string, readonly dir?: string) {
    super('E_CHECKPOINT', dir ? `checkpoint '${dir}': ${message}` : message);
  }
}

/** Something the platform cannot do (a browser writing files, listing directories, or running threads without cross-origin isolation). */
export class PlatformUnsupportedError extends FoveaError {
  constructor(message: string) {
    super('E_UNSUPPORTED', message);
  }
}
