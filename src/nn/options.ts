import { ArgumentError } from '../errors.js';
import type { Padding } from '../tensor/index.js';

export function positiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ArgumentError(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function intPair(value: unknown, what: string): [number, number] {
  if (typeof value === 'number') return [positiveInt(value, what), positiveInt(value, what)];
  if (Array.isArray(value) && value.length === 2) return [positiveInt(value[0], what), positiveInt(value[1], what)];
  throw new ArgumentError(`${what} must be a positive integer or a pair of them, got ${JSON.stringify(value)}`);
}

export function checkPadding(value: unknown, what: string): Padding {
  if (value === 'same' || value === 'valid') return value;
  const isCount = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  if (isCount(value)) return value as number;
  if (Array.isArray(value) && value.length === 2) {
    if (value.every(isCount)) return [value[0], value[1]];
    if (value.every((p) => Array.isArray(p) && p.length === 2 && p.every(isCount))) {
      return [[value[0][0], value[0][1]], [value[1][0], value[1][1]]];
    }
  }
  throw new ArgumentError(`${what} must be 'same', 'valid', a padding count, [vertical, horizontal] or [[top, bottom], [left, right]], got ${JSON.stringify(value)}`);
}
