export * from './safetensors.js';
export * from './model-dir.js';
export * from './model-file.js';
