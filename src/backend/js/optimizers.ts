import type { TensorData } from '../../tensor/index.js';
import type { AdamConfig, RmspropConfig, SgdConfig } from '../backend.js';

export function sgdUpdate(param: TensorData, grad: TensorData, velocity: TensorData | null, config: SgdConfig): void {
  const { lr, momentum, nesterov, weightDecay } = config;
  for (let i = 0; i < param.length; i++) {
    let g = grad[i] + weightDecay * param[i];
    if (velocity) {
      const v = momentum * velocity[i] + g;
      velocity[i] = v;
      g = nesterov ? g + momentum * v : v;
    }
    param[i] -= lr * g;
  }
}

/**
 * Adam with bias correction. `weightDecay` adds wd·param to the gradient (L2, Adam);
 * `decoupledWeightDecay` first shrinks the parameter by 1 − lr·wd (AdamW, as PyTorch).
 */
export function adamUpdate(param: TensorData, grad: TensorData, m: TensorData, v: TensorData, config: AdamConfig): void {
  const { lr, beta1, beta2, epsilon, step, weightDecay } = config;
  const correction1 = 1 - Math.pow(beta1, step);
  const correction2 = 1 - Math.pow(beta2, step);
  const stepSize = lr / correction1;
  // Multiplying by exactly 1 changes nothing, so plain Adam keeps its bits.
  const decay = 1 - lr * (config.decoupledWeightDecay ?? 0);
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] + weightDecay * param[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = param[i] * decay - (stepSize * mi) / (Math.sqrt(vi / correction2) + epsilon);
  }
}

/**
 * RMSprop as PyTorch: g += wd·param; s = ρs + (1−ρ)g²; centered: a = ρa + (1−ρ)g and the
 * denominator is √max(0, s − a²) + ε, else √s + ε (with epsilonInSqrt, TensorFlow's
 * √(max(0, s − a²) + ε) and √(s + ε)); u = g / denominator; with momentum b = μb + u, u = b;
 * param −= lr·u.
 */
export function rmspropUpdate(param: TensorData, grad: TensorData, squareAvg: TensorData, gradAvg: TensorData | null, buffer: TensorData | null, config: RmspropConfig): void {
  const { lr, rho, momentum, weightDecay } = config;
  const [outside, inside] = config.epsilonInSqrt ? [0, config.epsilon] : [config.epsilon, 0];
  const oneMinusRho = 1 - rho;
  for (let i = 0; i < param.length; i++) {
    const p = param[i];
    const g = grad[i] + weightDecay * p;
    const s = rho * squareAvg[i] + oneMinusRho * g * g;
    squareAvg[i] = s;
    let variance = s;
    if (gradAvg) {
      const a = rho * gradAvg[i] + oneMinusRho * g;
      gradAvg[i] = a;
      variance = Math.max(0, s - a * a);
    }
    let u = g / (Math.sqrt(variance + inside) + outside);
    if (buffer) {
      u = momentum * buffer[i] + u;
      buffer[i] = u;
    }
    param[i] = p - lr * u;
  }
}
