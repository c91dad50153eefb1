// Optimizer updates, in place over elements [start, end), with the f64 arithmetic of
// src/backend/js/optimizers.ts in the same order (two elements per f64x2 vector), rounding to f32
// only where the JS reference stores into its Float32Arrays: bit-identical to it.

import { at, load2AsF64, store2FromF64 } from './util';

/**
 * g = grad + weightDecay·param; with momentum (velocity ≠ 0): v = momentum·velocity + g,
 * velocity = v, g = nesterov ? g + momentum·v : v; then param −= lr·g.
 */
export function sgdUpdate(
  param: usize, grad: usize, velocity: usize,
  lr: f64, momentum: f64, nesterov: bool, weightDecay: f64,
  start: i32, end: i32,
): void {
  const lrV = f64x2.splat(lr);
  const muV = f64x2.splat(momentum);
  const wdV = f64x2.splat(weightDecay);
  let i = start;
  if (velocity == 0) {
    for (; i + 2 <= end; i += 2) {
      const p = load2AsF64(at(param, i));
      const g = f64x2.add(load2AsF64(at(grad, i)), f64x2.mul(wdV, p));
      store2FromF64(at(param, i), f64x2.sub(p, f64x2.mul(lrV, g)));
    }
    for (; i < end; i++) {
      const p = <f64>load<f32>(at(param, i));
      const g = <f64>load<f32>(at(grad, i)) + weightDecay * p;
      store<f32>(at(param, i), <f32>(p - lr * g));
    }
    return;
  }
  for (; i + 2 <= end; i += 2) {
    const p = load2AsF64(at(param, i));
    let g = f64x2.add(load2AsF64(at(grad, i)), f64x2.mul(wdV, p));
    const v = f64x2.add(f64x2.mul(muV, load2AsF64(at(velocity, i))), g);
    store2FromF64(at(velocity, i), v);
    g = nesterov ? f64x2.add(g, f64x2.mul(muV, v)) : v;
    store2FromF64(at(param, i), f64x2.sub(p, f64x2.mul(lrV, g)));
  }
  for (; i < end; i++) {
    const p = <f64>load<f32>(at(param, i));
    let g = <f64>load<f32>(at(grad, i)) + weightDecay * p;
    const v = momentum * <f64>load<f32>(at(velocity, i)) + g;
    store<f32>(at(velocity, i), <f32>v);
    g = nesterov ? g + momentum * v : v;
    store<f32>(at(param, i), <f32>(p - lr * g));
  }
}

/**
 * Adam with L2 weight decay added to the gradient. step is 1-based; the bias corrections
 * 1 − β^step are computed in f64 (Math.pow).
 */
export function adamUpdate(
  param: usize, grad: usize, m: usize, v: usize,
  lr: f64, beta1: f64, beta2: f64, epsilon: f64, step: i32, weightDecay: f64,
  start: i32, end: i32,
): void {
  adamStep(param, grad, m, v, lr, beta1, beta2, epsilon, step, weightDecay, 1.0, start, end);
}

/**
 * AdamW: as adamUpdate, after shrinking each parameter by 1 − lr·decoupledWeightDecay (the
 * decoupled decay of Loshchilov & Hutter, as PyTorch applies it).
 */
export function adamwUpdate(
  param: usize, grad: usize, m: usize, v: usize,
  lr: f64, beta1: f64, beta2: f64, epsilon: f64, step: i32, weightDecay: f64, decoupledWeightDecay: f64,
  start: i32, end: i32,
): void {
  adamStep(param, grad, m, v, lr, beta1, beta2, epsilon, step, weightDecay, 1.0 - lr * decoupledWeightDecay, start, end);
}

// @ts-ignore: decorator
@inline function adamStep(
  param: usize, grad: usize, m: usize, v: usize,
  lr: f64, beta1: f64, beta2: f64, epsilon: f64, step: i32, weightDecay: f64, decay: f64,
  start: i32, end: i32,
): void {
  const correction1 = 1.0 - Math.pow(beta1, <f64>step);
  const correction2 = 1.0 - Math.pow(beta2, <f64>step);
  const stepSize = lr / correction1;
  const oneMinusBeta1 = 1.0 - beta1;
  const oneMinusBeta2 = 1.0 - beta2;
  const b1 = f64x2.splat(beta1), b2 = f64x2.splat(beta2);
  const ob1 = f64x2.splat(oneMinusBeta1), ob2 = f64x2.splat(oneMinusBeta2);
  const wd = f64x2.splat(weightDecay), eps = f64x2.splat(epsilon);
  const c2 = f64x2.splat(correction2), ss = f64x2.splat(stepSize);
  const dec = f64x2.splat(decay);
  let i = start;
  for (; i + 2 <= end; i += 2) {
    const p = load2AsF64(at(param, i));
    const g = f64x2.add(load2AsF64(at(grad, i)), f64x2.mul(wd, p));
    const mi = f64x2.add(f64x2.mul(b1, load2AsF64(at(m, i))), f64x2.mul(ob1, g));
    const vi = f64x2.add(f64x2.mul(b2, load2AsF64(at(v, i))), f64x2.mul(f64x2.mul(ob2, g), g));
    store2FromF64(at(m, i), mi);
    store2FromF64(at(v, i), vi);
    const denom = f64x2.add(f64x2.sqrt(f64x2.div(vi, c2)), eps);
    store2FromF64(at(param, i), f64x2.sub(f64x2.mul(p, dec), f64x2.div(f64x2.mul(ss, mi), denom)));
  }
  for (; i < end; i++) {
    const p = <f64>load<f32>(at(param, i));
    const g = <f64>load<f32>(at(grad, i)) + weightDecay * p;
    const mi = beta1 * <f64>load<f32>(at(m, i)) + oneMinusBeta1 * g;
    const vi = beta2 * <f64>load<f32>(at(v, i)) + oneMinusBeta2 * g * g;
    store<f32>(at(m, i), <f32>mi);
    store<f32>(at(v, i), <f32>vi);
    store<f32>(at(param, i), <f32>(p * decay - (stepSize * mi) / (Math.sqrt(vi / correction2) + epsilon)));
  }
}

/**
 * RMSprop: g = grad + weightDecay·param; s = ρs + (1−ρ)g²; centered (gradAvg ≠ 0):
 * a = ρa + (1−ρ)g and v = max(0, s − a²), else v = s; u = g / (√(v + εin) + εout) — PyTorch's
 * form has εin = 0, TensorFlow's εout = 0; with momentum (buffer ≠ 0): b = μb + u, u = b;
 * param −= lr·u.
 */
export function rmspropUpdate(
  param: usize, grad: usize, squareAvg: usize, gradAvg: usize, buffer: usize,
  lr: f64, rho: f64, momentum: f64, epsilon: f64, epsilonInSqrt: f64, weightDecay: f64,
  start: i32, end: i32,
): void {
  const oneMinusRho = 1.0 - rho;
  const rhoV = f64x2.splat(rho), orV = f64x2.splat(oneMinusRho);
  const muV = f64x2.splat(momentum), epsV = f64x2.splat(epsilon), epsInV = f64x2.splat(epsilonInSqrt);
  const wdV = f64x2.splat(weightDecay), lrV = f64x2.splat(lr);
  const zero = f64x2.splat(0.0);
  let i = start;
  for (; i + 2 <= end; i += 2) {
    const p = load2AsF64(at(param, i));
    const g = f64x2.add(load2AsF64(at(grad, i)), f64x2.mul(wdV, p));
    const s = f64x2.add(f64x2.mul(rhoV, load2AsF64(at(squareAvg, i))), f64x2.mul(f64x2.mul(orV, g), g));
    store2FromF64(at(squareAvg, i), s);
    let variance = s;
    if (gradAvg != 0) {
      const a = f64x2.add(f64x2.mul(rhoV, load2AsF64(at(gradAvg, i))), f64x2.mul(orV, g));
      store2FromF64(at(gradAvg, i), a);
      variance = f64x2.max(zero, f64x2.sub(s, f64x2.mul(a, a)));
    }
    let u = f64x2.div(g, f64x2.add(f64x2.sqrt(f64x2.add(variance, epsInV)), epsV));
    if (buffer != 0) {
      u = f64x2.add(f64x2.mul(muV, load2AsF64(at(buffer, i))), u);
      store2FromF64(at(buffer, i), u);
    }
    store2FromF64(at(param, i), f64x2.sub(p, f64x2.mul(lrV, u)));
  }
  for (; i < end; i++) {
    const p = <f64>load<f32>(at(param, i));
    const g = <f64>load<f32>(at(grad, i)) + weightDecay * p;
    const s = rho * <f64>load<f32>(at(squareAvg, i)) + oneMinusRho * g * g;
    store<f32>(at(squareAvg, i), <f32>s);
    let variance = s;
    if (gradAvg != 0) {
      const a = rho * <f64>load<f32>(at(gradAvg, i)) + oneMinusRho * g;
      store<f32>(at(gradAvg, i), <f32>a);
      variance = Math.max(0.0, s - a * a);
    }
    let u = g / (Math.sqrt(variance + epsilonInSqrt) + epsilon);
    if (buffer != 0) {
      u = momentum * <f64>load<f32>(at(buffer, i)) + u;
      store<f32>(at(buffer, i), <f32>u);
    }
    store<f32>(at(param, i), <f32>(p - lr * u));
  }
}
