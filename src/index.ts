/** Fovea's public API for Node.js (registers the Node platform: files, gunzip, image decoding). */
import './platform/node.js';
import { loadDefaultBackend } from './backend/registry.js';

export * from './api.js';

// The fast backend is the default: compile the kernels and start the workers once, on import
// ($FOVEA_BACKEND=js chooses the reference instead; workers never keep the process alive).
await loadDefaultBackend(undefined, (key) => process.env[key]);
