import { ShapeError } from '../errors.js';

export type DType = 'float32' | 'float64';
export type TensorData = Float32Array | Float64Array;
export type Shape = readonly number[];

/** Number of elements of a shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function dtypeOf(data: TensorData): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

export function allocData(dtype: DType, size: number): TensorData {
  return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
}

/**
 * An n-dimensional array of numbers. Images are NHWC (batch, height, width, channels).
 * Data is float32, or float64 when running the reference backend in double precision
 * (used for gradient checks). Tensors are immutable by convention: ops return new tensors.
 */
export class Tensor {
  readonly shape: Shape;
  readonly data: TensorData;

  constructor(data: TensorData, shape: Shape) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new ShapeError(`tensor shape ${formatShape(shape)} has a dimension that is not a non-negative integer`);
      }
    }
    const size = sizeOf(shape);
    if (data.length !== size) {
      throw new ShapeError(`tensor shape ${formatShape(shape)} needs ${size} values, got ${data.length}`);
    }
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  /** The single value of a scalar (or one-element) tensor. */
  item(): number {
    if (this.data.length !== 1) {
      throw new ShapeError(`item() needs a one-element tensor, got shape ${formatShape(this.shape)}`);
    }
    return this.data[0];
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype})`;
  }
}

export function tensor(values: ArrayLike<number>, shape: Shape, dtype: DType = 'float32'): Tensor {
  const data = allocData(dtype, values.length);
  data.set(values);
  return new Tensor(data, shape);
}

export function zeros(shape: Shape, dtype: DType = 'float32'): Tensor {
  return new Tensor(allocData(dtype, sizeOf(shape)), shape);
}

export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return tensor([value], [], dtype);
}
