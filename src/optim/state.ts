import type { Backend } from '../backend/backend.js';
import { getBackend } from '../backend/registry.js';
import { ArgumentError } from '../errors.js';
import type { Parameter } from '../nn/layer.js';
import type { TensorData } from '../tensor/index.js';
import type { OptimizerState } from './optimizer.js';

/**
 * Per-parameter optimizer arrays (velocity, moments…) in named slots, allocated lazily in the
 * backend's persistent memory, with the export/import that checkpoints need.
 */
export class SlotStore {
  private readonly slots = new Map<Parameter, Map<string, TensorData>>();

  /** The slot array of `p`, zero-filled on first use. */
  get(p: Parameter, slot: string, backend: Backend = getBackend()): TensorData {
    let bySlot = this.slots.get(p);
    if (!bySlot) this.slots.set(p, (bySlot = new Map()));
    let data = bySlot.get(slot);
    if (!data) bySlot.set(slot, (data = backend.allocPersistent(p.value.size)));
    return data;
  }

  /** Copies of every slot, named `<parameter>/<slot>`. */
  export(): Record<string, Float32Array> {
    const tensors: Record<string, Float32Array> = {};
    for (const [p, bySlot] of this.slots) {
      for (const [slot, data] of bySlot) tensors[`${p.name}/${slot}`] = Float32Array.from(data);
    }
    return tensors;
  }

  /**
   * Replaces every slot by the arrays of `tensors`: each name must be `<parameter>/<slot>` of
   * one of `parameters`, with one of the known slots and the parameter's size.
   */
  import(tensors: Record<string, Float32Array>, parameters: readonly Parameter[], knownSlots: readonly string[], owner: string): void {
    const byName = new Map(parameters.map((p) => [p.name, p]));
    const entries: Array<[Parameter, string, Float32Array]> = [];
    for (const [name, data] of Object.entries(tensors)) {
      const cut = name.lastIndexOf('/');
      const slot = name.slice(cut + 1);
      const p = cut > 0 ? byName.get(name.slice(0, cut)) : undefined;
      if (!p || !knownSlots.includes(slot)) {
        throw new ArgumentError(`${owner} state holds '${name}', which is not <parameter>/<slot> for this model's parameters (slots: ${knownSlots.join(', ')})`);
      }
      if (data.length !== p.value.size) {
        throw new ArgumentError(`${owner} state '${name}' has ${data.length} values but parameter '${p.name}' has ${p.value.size}`);
      }
      entries.push([p, slot, data]);
    }
    this.slots.clear();
    const backend = getBackend();
    for (const [p, slot, data] of entries) this.get(p, slot, backend).set(data);
  }
}

export function checkLearningRate(lr: number): number {
  if (!(typeof lr === 'number' && Number.isFinite(lr) && lr > 0)) throw new ArgumentError(`learning rate must be a positive number, got ${lr}`);
  return lr;
}

export function checkWeightDecay(wd: number): number {
  if (!(typeof wd === 'number' && Number.isFinite(wd) && wd >= 0)) throw new ArgumentError(`weight decay must be a number ≥ 0, got ${wd}`);
  return wd;
}

/** Throws unless `state` was saved by an optimizer called `name`. */
export function checkStateOwner(state: OptimizerState, name: string): void {
  if (state.name !== name) throw new ArgumentError(`optimizer state was saved by '${state.name}', which cannot be loaded into '${name}'`);
}

/** A scalar of the state that must be a finite number (≥ 0 integers for counters). */
export function stateScalar(state: OptimizerState, key: string, integer = false): number {
  const v = state.scalars[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !(Number.isInteger(v) && v >= 0))) {
    throw new ArgumentError(`optimizer state '${state.name}' needs ${integer ? 'a non-negative integer' : 'a finite number'} '${key}', found ${JSON.stringify(v)}`);
  }
  return v;
}

/** The state of an optimizer that counts its steps (Adam, RMSprop): its slots, the step count and the learning rate. */
export function steppedState(name: string, slots: SlotStore, step: number, learningRate: number): OptimizerState {
  return { name, tensors: slots.export(), scalars: { step, learningRate } };
}

/**
 * Loads a steppedState into `slots` (checked as SlotStore.import does) and returns its step
 * count and learning rate; nothing changes when it throws.
 */
export function loadSteppedState(state: OptimizerState, name: string, slots: SlotStore, parameters: readonly Parameter[], knownSlots: readonly string[]): { step: number; learningRate: number } {
  checkStateOwner(state, name);
  const step = stateScalar(state, 'step', true);
  const learningRate = checkLearningRate(stateScalar(state, 'learningRate'));
  slots.import(state.tensors, parameters, knownSlots, name);
  return { step, learningRate };
}
