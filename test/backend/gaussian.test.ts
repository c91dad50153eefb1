import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { erf, erfc, gelu, geluDerivative, normalCdf, normalPdf } from '../../src/backend/js/gaussian.js';

/** Relative distance, with an absolute floor for values near 0. */
function close(actual: number, expected: number, tolerance: number, what: string): void {
  const scale = Math.max(Math.abs(expected), 1e-300);
  assert.ok(Math.abs(actual - expected) <= tolerance * scale, `${what}: got ${actual}, expected ${expected}`);
}

describe('the normal distribution in double precision (the reference GELU)', () => {
  // Reference values from the C library's erf and erfc (glibc, through Python's math module), 16 digits.
  const erfTable: [number, number][] = [
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [1.5, 0.9661051464753108],
    [2, 0.9953222650189527],
    [2.4, 0.999311486103355],
  ];
  const erfcTable: [number, number][] = [
    [2.5, 4.069520174449590e-4],
    [3, 2.209049699858544e-5],
    [4, 1.541725790028002e-8],
    [5, 1.537459794428035e-12],
    [10, 2.088487583762545e-45],
    [20, 5.395865611607901e-176],
  ];

  test('erf matches published values below 2.5 (the Taylor series) to 1e-15', () => {
    for (const [x, v] of erfTable) {
      close(erf(x), v, 1e-15, `erf(${x})`);
      close(erf(-x), -v, 1e-15, `erf(${-x})`);
    }
  });

  test('erfc matches published values from 2.5 on (the continued fraction) to 1e-14, relative, down to 5e-176', () => {
    for (const [x, v] of erfcTable) close(erfc(x), v, 1e-14, `erfc(${x})`);
  });

  test('erf and erfc agree where the series hands over to the continued fraction', () => {
    for (const x of [2.4999999, 2.5, 2.5000001]) close(erf(x) + erfc(x), 1, 1e-15, `erf + erfc at ${x}`);
    // Just below 2.5 erfc is 1 − erf, which keeps about 12 digits of it there.
    close(erfc(2.4999999), 0.00040695223527343607, 1e-11, 'erfc(2.4999999)');
    close(erfc(2.5000001), 0.00040695179961659073, 1e-14, 'erfc(2.5000001)');
  });

  test('erfc of a negative argument is 2 − erfc(|x|); limits and NaN', () => {
    close(erfc(-3), 2 - 2.209049699858544e-5, 1e-16, 'erfc(−3)');
    assert.equal(erfc(Infinity), 0);
    assert.equal(erfc(-Infinity), 2);
    assert.equal(erf(Infinity), 1);
    assert.equal(erf(-Infinity), -1);
    assert.ok(Number.isNaN(erf(NaN)) && Number.isNaN(erfc(NaN)));
  });

  test('Φ gives the familiar quantiles; φ integrates to Φ', () => {
    close(normalCdf(0), 0.5, 1e-16, 'Φ(0)');
    close(normalCdf(1.959963984540054), 0.975, 1e-15, 'Φ(1.96)');
    close(normalCdf(-1.959963984540054), 0.025, 1e-14, 'Φ(−1.96)');
    close(normalPdf(0), 0.3989422804014327, 1e-16, 'φ(0)');
    // Midpoint rule for ∫ φ from −1 to 2.
    let integral = 0;
    const steps = 30000;
    for (let i = 0; i < steps; i++) integral += normalPdf(-1 + (3 * (i + 0.5)) / steps) * (3 / steps);
    close(integral, normalCdf(2) - normalCdf(-1), 1e-9, '∫φ');
  });

  test('GELU is x·Φ(x): PyTorch\'s values, 0 at −∞, x at +∞', () => {
    close(gelu(1), 0.8413447460685429, 1e-15, 'gelu(1)');
    close(gelu(-1), -0.15865525393145707, 1e-14, 'gelu(−1)');
    close(gelu(2), 1.9544997361036416, 1e-15, 'gelu(2)');
    close(gelu(-0.5), -0.15426876936299344, 1e-14, 'gelu(−0.5)');
    close(gelu(-10), -10 * 7.619853024160593e-24, 1e-13, 'gelu(−10), tiny but not 0');
    assert.equal(gelu(0), 0);
    assert.equal(gelu(-Infinity), 0);
    assert.equal(gelu(Infinity), Infinity);
  });

  test('the GELU derivative against central differences, and its limits', () => {
    for (const x of [-6, -3, -1.2, -0.3, 0, 0.001, 0.7, 1.5, 4]) {
      const h = 1e-5;
      close(geluDerivative(x), (gelu(x + h) - gelu(x - h)) / (2 * h), 1e-8, `GELU′(${x})`);
    }
    assert.equal(geluDerivative(Infinity), 1);
    assert.equal(geluDerivative(-Infinity), 0);
    assert.ok(Number.isNaN(geluDerivative(NaN)));
  });
});
