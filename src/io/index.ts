export * from './safetensors.js';
export * from './model-dir.js';
export * from './model-file.js';
export { DEFAULT_MAX_ZIP_BYTES, type ZipReadOptions } from './zip-archive.js';
export * from './model-zip.js';
