export * from './zoo.js';
