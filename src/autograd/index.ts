export * from './tape.js';
