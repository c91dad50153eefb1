import type { TensorData } from '../../tensor/index.js';
import type { AdamConfig, SgdConfig } from '../backend.js';

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

export function adamUpdate(param: TensorData, grad: TensorData, m: TensorData, v: TensorData, config: AdamConfig): void {
  const { lr, beta1, beta2, epsilon, step, weightDecay } = config;
  const correction1 = 1 - Math.pow(beta1, step);
  const correction2 = 1 - Math.pow(beta2, step);
  const stepSize = lr / correction1;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] + weightDecay * param[i];
    const mi = beta1 * m[i] + (1 - beta1) * g;
    const vi = beta2 * v[i] + (1 - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] -= (stepSize * mi) / (Math.sqrt(vi / correction2) + epsilon);
  }
}
