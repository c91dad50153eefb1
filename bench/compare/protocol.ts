/**
 * How bench/compare.ts talks to the processes that run each library configuration: one JSON
 * object per line, requests on the child's stdin, replies on its file descriptor 3 (so that
 * whatever a library prints on stdout cannot corrupt them). The Python runner
 * (torch_runner.py) speaks the same protocol.
 */

export type LibraryName = 'fovea' | 'tfjs' | 'convnetjs' | 'onnxruntime' | 'pytorch' | 'numpy';

/** A task: training steps or inference calls of a model, or one GEMM size. */
export type TaskName = 'train' | 'infer' | `gemm-${number}`;

/** One library configuration, run in its own process. */
export interface RunnerConfig {
  /** Short id used in tables and JSON, e.g. 'fovea-wasm-2t'. */
  id: string;
  /** Human description, e.g. 'Fovea wasm, 2 threads'. */
  label: string;
  library: LibraryName;
  process: 'node' | 'python';
  /** Fovea: 'wasm' | 'js'; TensorFlow.js: 'cpu' | 'wasm'. */
  backend?: string;
  /** Threads asked for (FOVEA_THREADS, torch.set_num_threads, OpenBLAS/ORT intra-op threads). */
  threads?: number;
  /** Which sections it takes part in. */
  sections: ('models' | 'gemm')[];
  /** Extra environment of its process. */
  env?: Record<string, string>;
  /** Python interpreter (python runners). */
  python?: string;
}

export interface ModelSection {
  kind: 'model';
  /** Zoo name. */
  name: string;
  /** Files written by the coordinator: spec.json, weights.f32, train-x.f32, train-y.i32, infer-x.f32. */
  dir: string;
  seed: number;
  batchSize: number;
  inferBatch: number;
  /** Distinct training batches in train-x.f32, cycled in order. */
  trainBatches: number;
  learningRate: number;
}

export interface GemmSection {
  kind: 'gemm';
  sizes: number[];
}

export type Section = ModelSection | GemmSection;

export type Request =
  | { id: number; cmd: 'setup'; runner: RunnerConfig; section: Section }
  | { id: number; cmd: 'run'; task: TaskName; calls: number }
  | { id: number; cmd: 'quit' };

export interface SetupInfo {
  /** Library version(s), e.g. { tfjs: '4.22.0' }. */
  versions: Record<string, string>;
  /** Backend actually in use, when the library has several. */
  backend?: string;
  /** Threads actually computing (as far as the library tells). */
  threads?: number;
  /** Facts worth printing next to the numbers (architecture differences, thread limits). */
  notes: string[];
  /** Tasks this configuration cannot run, with the reason (e.g. train: 'inference only'). */
  unsupported: Record<string, string>;
}

export interface RunResult {
  /** Wall time of the `calls` calls, measured inside the child. */
  seconds: number;
  /** Training: the loss of every step, in order. */
  losses?: number[];
  /** Inference: the class probabilities of the first image (to check that all libraries agree). */
  probe?: number[];
}

export type Reply =
  | { id: number; ok: true; setup?: SetupInfo; run?: RunResult }
  | { id: number; ok: false; error: string };

/** Floats per image of a model section's input. */
export function imageSize(inputShape: readonly number[]): number {
  return inputShape.reduce((a, b) => a * b, 1);
}
