// The standard normal distribution's Φ and φ in double precision, for the reference GELU
// (JavaScript has no Math.erf). erf comes from its Taylor series below 2.5 and erfc from its
// continued fraction above: erf to a few units in the last place of a double, erfc to about 1e−14
// relative from 2.5 on and 1e−12 just below, where it is 1 − erf (test/backend/gaussian.test.ts):
// far below float32's resolution.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** Where the series hands over to the continued fraction. */
const SERIES_LIMIT = 2.5;
/** Terms of the continued fraction, evaluated from the tail (enough from x = 2.5 on). */
const FRACTION_DEPTH = 80;

/** erf(x) = 2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n+1)), for |x| < 2.5 (terms stay below 100, so little cancels). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/** erfc(x) = e^(−x²)/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …)))), for x ≥ 2.5. */
function erfcFraction(x: number): number {
  let t = x;
  for (let k = FRACTION_DEPTH; k >= 1; k--) t = x + k / 2 / t;
  return (Math.exp(-x * x) * INV_SQRT_PI) / t;
}

/** The complementary error function 1 − erf(x), accurate in relative terms also where it is tiny. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= SERIES_LIMIT) return x === Infinity ? 0 : erfcFraction(x);
  if (x <= -SERIES_LIMIT) return x === -Infinity ? 2 : 2 - erfcFraction(-x);
  return 1 - erfSeries(x);
}

/** The error function. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < SERIES_LIMIT) return erfSeries(x);
  return x > 0 ? 1 - erfcFraction(x) : erfcFraction(-x) - 1;
}

/** Φ(x), the standard normal cumulative distribution: ½·erfc(−x/√2). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x * INV_SQRT_2);
}

/** φ(x), the standard normal density: e^(−x²/2)/√(2π). */
export function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
}

/** GELU(x) = x·Φ(x) (Hendrycks and Gimpel; PyTorch's and Keras' default, not the tanh approximation). 0 at −∞. */
export function gelu(x: number): number {
  return x === -Infinity ? 0 : x * normalCdf(x);
}

/** dGELU/dx = Φ(x) + x·φ(x); the second term is taken as 0 at ±∞, where it tends to 0. */
export function geluDerivative(x: number): number {
  const tail = Math.abs(x) === Infinity ? 0 : x * normalPdf(x);
  return normalCdf(x) + tail;
}
