import { InvalidArgumentError } from 'commander';
import { ArgumentError, UnknownNameError } from '../errors.js';

/** Commander parsers that reject what a flag cannot mean, with the flag's expectation. */
export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\s*\+?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  }
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!/^\s*\+?\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected a non-negative integer, got '${value}'`);
  }
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  }
  return n;
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number ≥ 0, got '${value}'`);
  }
  return n;
}

/** A number in [0, 1): momentum, label smoothing. */
export function unitFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n >= 1) {
    throw new InvalidArgumentError(`expected a number from 0 up to (not including) 1, got '${value}'`);
  }
  return n;
}

/** A number strictly between 0 and 1: a validation fraction. */
export function openFraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || n >= 1) {
    throw new InvalidArgumentError(`expected a number between 0 and 1 (exclusive), got '${value}'`);
  }
  return n;
}

/** A commander parser from a library parser that throws ArgumentError (its message says the expected form). */
export function fromArgumentError<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (e) {
      if (e instanceof ArgumentError || e instanceof UnknownNameError) throw new InvalidArgumentError(e.message);
      throw e;
    }
  };
}
