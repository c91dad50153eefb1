/** The messages between the page and an engine worker (web/src/engine/worker.ts). */

export type DatasetName = 'mnist' | 'fashion-mnist';

/** Images as bytes, NHWC, 0..255, with their labels and class names. */
export interface DatasetImages {
  name: string;
  classNames: string[];
  height: number;
  width: number;
  channels: number;
  images: Uint8Array;
  labels: Int32Array;
}

/** One file of an image folder the user dropped: its class is the folder it was in. */
export interface FolderFile {
  className: string;
  name: string;
  bytes: Uint8Array;
}

export type DatasetSource =
  | { kind: 'shipped'; name: DatasetName }
  | { kind: 'folder'; files: FolderFile[]; height: number; width: number; channels: 1 | 3 };

export type ModelSource =
  | { kind: 'url'; base: string }
  | { kind: 'zip'; bytes: Uint8Array; fileName: string }
  | { kind: 'files'; modelJson: Uint8Array; weights: Uint8Array };

/** Models live in named slots: the shipped one, the one trained on the Train page, one the user opened. */
export type ModelSlot = 'shipped' | 'trained' | 'opened';

export type Architecture = { kind: 'zoo'; name: string } | { kind: 'layers'; text: string };

export interface ModelInfo {
  name: string;
  classNames: string[];
  inputShape: number[];
  params: number;
  summary: string;
  testAccuracy: number | null;
}

export interface TrainConfig {
  /** The trained model's name. */
  name: string;
  architecture: Architecture;
  dataset: DatasetSource;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Steps since training began. */
  step: number;
  loss: number;
  accuracy: number;
  /** Images per second of training, pauses excluded. */
  imagesPerSecond: number;
  /** The first convolution's filters as tiles, or null for a model without one. */
  filters: FilterImage | null;
}

export interface EpochResult {
  epoch: number;
  loss: number;
  accuracy: number;
  valAccuracy: number;
  valLoss: number;
  seconds: number;
  /** Bytes of the engine's WebAssembly memory in use at the epoch's end (flat from epoch to epoch: nothing to free by hand). */
  memoryInUse: number | null;
}

/** The first layer's filters: `count` tiles of size × size, RGBA, values mapped blue–white–red. */
export interface FilterImage {
  layer: string;
  count: number;
  size: number;
  rgba: Uint8ClampedArray;
}

export interface FeatureMapData {
  layer: string;
  type: string;
  shape: number[];
  values: Float32Array;
}

export interface Prediction {
  probabilities: number[];
  featureMaps?: FeatureMapData[];
  gradCam?: { layer: string; classIndex: number; heatmap: Float32Array; height: number; width: number };
}

export interface Evaluation {
  predicted: Int32Array;
  /** Probability of the predicted class. */
  confidence: Float32Array;
  /** Probability of the true class. */
  trueClassProbability: Float32Array;
  accuracy: number;
}

export type LayerCheck =
  | { ok: true; summary: string; params: number }
  | { ok: false; line: number | null; message: string };

export interface EngineInfo {
  threads: number;
  crossOriginIsolated: boolean;
  /** Why fewer threads than cores run, when that is so. */
  note: string | null;
}

/** Requests and what each answers. */
export interface Requests {
  init: { args: { threads?: number }; result: EngineInfo };
  loadModel: { args: { slot: ModelSlot; source: ModelSource }; result: ModelInfo };
  predict: { args: { slot: ModelSlot; pixels: Float32Array; featureMaps?: boolean; gradCamClass?: number | 'top' }; result: Prediction };
  loadDataset: { args: { source: DatasetSource }; result: { train: DatasetImages; test: DatasetImages; warnings: string[] } };
  evaluate: { args: { slot: ModelSlot }; result: Evaluation };
  checkLayers: { args: { text: string; inputShape: number[] }; result: LayerCheck };
  zooLayerList: { args: { name: string; inputShape: number[]; numClasses: number }; result: string };
  train: { args: TrainConfig; result: { epochs: EpochResult[]; stopped: boolean; model: ModelInfo; warnings: string[] } };
  exportModel: { args: { slot: ModelSlot }; result: { zip: Uint8Array; fileName: string } };
  benchmark: { args: { model: string; batchSize: number; seconds: number }; result: { imagesPerSecond: number; threads: number } };
}

export type RequestType = keyof Requests;

export interface RequestMessage<T extends RequestType = RequestType> {
  id: number;
  type: T;
  args: Requests[T]['args'];
}

/** Control messages answered by no reply: they steer a training run in progress. */
export interface ControlMessage {
  control: 'pause' | 'resume' | 'stop';
}

export type WorkerEvent =
  | { event: 'progress'; progress: TrainProgress }
  | { event: 'epoch'; result: EpochResult }
  | { event: 'state'; state: 'running' | 'paused' }
  /** A file of a dropped image folder that could not be read, and was skipped. */
  | { event: 'warning'; message: string };

export type ReplyMessage =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; code?: string; message: string } };
