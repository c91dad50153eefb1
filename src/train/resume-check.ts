/**
 * Whether a checkpoint can be continued by this run: a resumed run must train exactly as the
 * uninterrupted one would have, so everything that shapes the remaining steps has to match —
 * model, input normalisation, optimizer and its settings, batch size, training set, base learning
 * rate, schedule, and
 * (for checkpoints that record them) label smoothing, clipping, augmentation, adversarial
 * training and whether partial batches are dropped. The seed need not match: the generators continue from their saved states.
 */
import type { BatchTransform } from '../data/augment/transform.js';
import { CheckpointError } from '../errors.js';
import type { Network } from '../nn/network.js';
import type { LearningRateSchedule, Optimizer } from '../optim/index.js';
import { type AdversarialTraining, formatAdversarialTraining } from './adversarial.js';
import { type Checkpoint, checkCheckpointArchitecture, type RunSettings } from './checkpoint.js';

/** The settings a checkpoint records, from fit's options as given. */
export function runSettings(options: { labelSmoothing?: number; clipNorm?: number; augment?: BatchTransform; adversarial?: AdversarialTraining; dropLast?: boolean }): RunSettings {
  return {
    ...(options.dropLast ? { dropLast: true } : {}),
    labelSmoothing: options.labelSmoothing ?? 0,
    clipNorm: options.clipNorm ?? null,
    augment: options.augment === undefined ? null : ((options.augment as { spec?: string }).spec ?? 'custom'),
    // From the option as given: the checked form fills in FGSM's one step, which the text form refuses.
    adversarial: options.adversarial ? formatAdversarialTraining(options.adversarial) : null,
  };
}

export interface ResumingRun {
  model: Network;
  optimizer: Optimizer;
  batchSize: number;
  trainImages: number;
  /** The training set's name (checked when given). */
  datasetName?: string;
  /** The schedule of this run, null for none (checked when given, as are the base rate and optimizer settings). */
  schedule?: LearningRateSchedule | null;
  /** Checked against checkpoints that record them. */
  settings?: RunSettings;
  /** Whether this run averages its weights with the Lookahead callback (checked when given). */
  lookahead?: boolean;
}

/** Throws a CheckpointError that names what differs and the flag that would make it match. */
export function checkResumable(checkpoint: Checkpoint, run: ResumingRun): void {
  const { state, dir } = checkpoint;
  const refuse = (message: string): never => {
    throw new CheckpointError(`${message}; a resumed run must continue with the settings it was started with`, dir);
  };
  checkCheckpointArchitecture(checkpoint, run.model);
  if (state.optimizer.name !== run.optimizer.name) {
    throw new CheckpointError(`it was trained with the ${state.optimizer.name} optimizer, but this run uses ${run.optimizer.name}; resume with --optimizer ${state.optimizer.name}`, dir);
  }
  if (state.batchSize !== run.batchSize || state.trainImages !== run.trainImages) {
    throw new CheckpointError(
      `it was trained with batch size ${state.batchSize} on ${state.trainImages} images, but this run uses batch size ${run.batchSize} on ${run.trainImages}; the position within the data and the schedule would not carry over`,
      dir,
    );
  }
  const saved = checkpoint.inputNormalization as { scale?: unknown; mean?: unknown; std?: unknown } | null;
  if (saved !== null) {
    const theirs = JSON.stringify({ scale: saved.scale, mean: saved.mean, std: saved.std });
    const { scale, mean, std } = run.model.inputNormalization;
    const ours = JSON.stringify({ scale, mean, std });
    if (theirs !== ours) refuse(`it was trained with input normalisation ${theirs}, but this run's model has ${ours} (resume with the same --normalize)`);
  }
  if (run.datasetName !== undefined && state.dataset !== run.datasetName) {
    refuse(`it was trained on dataset '${state.dataset}', but this run uses '${run.datasetName}' (resume with --dataset ${state.dataset})`);
  }
  if (run.lookahead !== undefined && checkpoint.callbacks.has('lookahead') !== run.lookahead) {
    const theirs = checkpoint.callbacks.has('lookahead');
    refuse(`it was trained ${theirs ? 'with' : 'without'} the lookahead weight average, but this run is ${run.lookahead ? 'with' : 'without'} it (resume ${theirs ? 'with' : 'without'} --lookahead)`);
  }
  if (run.schedule === undefined) return;

  const base = run.optimizer.learningRate;
  if (state.baseLearningRate !== base) refuse(`it was trained with learning rate ${state.baseLearningRate}, but this run uses ${base} (resume with --lr ${state.baseLearningRate})`);
  const theirSchedule = state.schedule;
  const ourSchedule = run.schedule?.getConfig() ?? null;
  if (JSON.stringify(theirSchedule) !== JSON.stringify(ourSchedule)) {
    const spec = (config: Record<string, unknown> | null): string => (config === null ? 'none' : String(config.spec ?? config.name));
    refuse(
      `it was trained with schedule ${spec(theirSchedule)}, but this run uses ${spec(ourSchedule)} (resume ${theirSchedule === null ? 'without --schedule' : `with --schedule ${spec(theirSchedule)}`})`,
    );
  }
  const setting = firstDifferentSetting(state.optimizer.config, run.optimizer.getConfig());
  if (setting) refuse(`its ${state.optimizer.name} optimizer had ${setting.key} ${setting.theirs}, but this run's has ${setting.ours}`);

  const savedSettings = state.settings;
  const ours = run.settings;
  if (!savedSettings || !ours) return;
  const flags: Record<keyof RunSettings, string> = { labelSmoothing: '--label-smoothing', clipNorm: '--clip-norm', augment: '--augment', adversarial: '--adversarial', dropLast: '--drop-last' };
  // Settings newer than a checkpoint are absent from it: they had their default then.
  const defaults: Partial<RunSettings> = { dropLast: false };
  for (const key of Object.keys(flags) as (keyof RunSettings)[]) {
    const theirs = savedSettings[key] === undefined ? defaults[key] : savedSettings[key];
    const mine = ours[key] === undefined ? defaults[key] : ours[key];
    if (theirs !== mine) {
      const show = (v: unknown): string => (v === null ? 'none' : String(v));
      refuse(`it was trained with ${flags[key]} ${show(theirs)}, but this run uses ${show(mine)}`);
    }
  }
}

/** The first optimizer setting, other than the learning rate (the schedule moves it), that differs. */
function firstDifferentSetting(theirs: Record<string, unknown>, ours: Record<string, unknown>): { key: string; theirs: string; ours: string } | null {
  const keys = new Set([...Object.keys(theirs), ...Object.keys(ours)]);
  for (const key of keys) {
    if (key === 'learningRate' || key === 'name') continue;
    const a = JSON.stringify(theirs[key] ?? null);
    const b = JSON.stringify(ours[key] ?? null);
    if (a !== b) return { key, theirs: a, ours: b };
  }
  return null;
}
