// Types of the objects in docs/API.md (and the CLI JSON they embed). Fields the UI does not
// rely on are left loose (`unknown` / index signatures): the server is the source of truth.

export type Id = number;

export interface TensorInfo {
  name: string;
  dtype: string;
  shape: (number | string)[];
}

/** `calibra info --json` */
export interface ModelInfo {
  inputs?: TensorInfo[];
  outputs?: TensorInfo[];
  precision?: string;
  gflops?: number;
  flops_complete?: boolean;
  parameters?: number;
  parameter_bytes?: number;
  file_bytes?: number;
  opset?: number;
  producer?: string;
  nodes?: number;
  op_histogram?: Record<string, number>;
  runnable?: boolean;
  unsupported?: unknown[];
  dynamic_batch?: boolean;
  quantizable_layers?: number;
  layers_by_precision?: Record<string, number>;
  layers?: { name: string; op: string; precision: string }[];
  /** `calibra info --json` nests these as int8.possible / int8.reason ... */
  int8?: { possible: boolean; reason: string };
  /** ... docs/API.md spells them int8_possible / int8_reason: both are accepted. */
  int8_possible?: boolean;
  int8_reason?: string;
  [k: string]: unknown;
}

export interface Model {
  id: Id;
  name: string;
  origin: 'upload' | 'path' | 'demo' | 'calibrated' | string;
  parent_model_id: Id | null;
  path: string;
  bytes: number;
  sha256: string;
  created_at: string;
  info: ModelInfo;
}

export interface Dataset {
  id: Id;
  name: string;
  origin: 'builtin' | 'upload' | 'path' | 'generated' | string;
  spec: string;
  kind: string;
  samples: number;
  annotated: boolean;
  classes: number;
  description: string;
  bytes: number;
  created_at: string;
}

export interface Resize {
  mode: 'none' | 'exact' | 'shorter';
  height?: number;
  width?: number;
  size?: number;
  interpolation?: 'bilinear' | 'nearest';
}

export interface Usage {
  task: string;
  preprocessing: {
    color: 'gray' | 'rgb' | 'bgr';
    resize: Resize;
    crop: { height: number; width: number } | null;
    divide: number;
    mean: number[];
    std: number[];
    layout: 'NCHW' | 'NHWC';
  };
  label_offset: number;
  metrics: string[];
}

export interface Settings {
  batch: number;
  threads: number;
  streams: number;
  seconds: number;
  iterations: number;
  warmup: number;
}

export type JobStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';
export type ProjectStatus = 'queued' | 'running' | 'ready' | 'failed' | 'cancelled' | 'interrupted' | 'new';
export type JobType = 'inference' | 'calibration' | 'compare' | 'sweep';

export interface Job {
  id: Id;
  project_id: Id;
  type: JobType | string;
  params: Record<string, unknown>;
  status: JobStatus;
  stage: string;
  progress: number;
  error: string | null;
  hint: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  result_id: Id | null;
}

export interface Latency {
  min: number;
  mean: number;
  median: number;
  p90: number;
  p99: number;
  max: number;
}

/** `calibra bench --json` */
export interface Speed {
  batch: number;
  threads: number;
  streams: number;
  threads_per_stream?: number;
  iterations: number;
  duration_s: number;
  latency_ms: Latency;
  throughput_fps: number;
  memory?: { activation_arena_bytes: number; largest_live_set_bytes: number; scratchpad_bytes: number };
  plan?: { steps: number; reorders: number; conv_layout: string };
  [k: string]: unknown;
}

export interface ProfileLayer {
  name: string;
  op: string;
  precision: string;
  impl: string;
  shape: number[];
  layout?: string;
  ms: number;
  share: number;
  origins?: string[];
}

/** `calibra bench --profile --json` "profile" */
export interface Profile {
  runs?: number;
  total_ms?: number;
  layers_ms?: number;
  unprofiled_ms?: number;
  profiling_overhead?: number;
  by_precision_ms?: Record<string, number>;
  by_op_ms?: Record<string, number>;
  layers_by_precision?: Record<string, number>;
  layers?: ProfileLayer[];
  /** README calls the per-layer list "rows"; accepted as an alias of `layers`. */
  rows?: ProfileLayer[];
}

/** `calibra eval --json` */
export interface Accuracy {
  top1: number | null;
  top5: number | null;
  samples: number;
  correct_top1?: number;
  correct_top5?: number;
  annotated?: boolean;
  seconds?: number;
  samples_per_second?: number;
  [k: string]: unknown;
}

export interface InferenceData {
  accuracy: Accuracy | null;
  speed: Speed | null;
  profile: Profile | null;
  settings?: Partial<Settings>;
}

export interface CalibrationLayer {
  node: string;
  op: string;
  precision: string;
  weights?: string;
  reason?: string;
  fp32_reason?: string;
  error_vs_fp32?: { sqnr_db: number | null; cosine: number | null };
}

/** `calibra calibrate --report` plus int8_project_id / int8_model_id */
export interface CalibrationData {
  scheme?: { algorithm?: string; preset?: string; isa?: string; weight_bits?: number; per_channel_weights?: boolean; bias_correction?: boolean };
  subset?: number;
  dataset?: string;
  layer_counts?: Record<string, number>;
  layers?: CalibrationLayer[];
  stage_seconds?: Record<string, number>;
  fp32_top1?: number | null;
  int8_top1?: number | null;
  fp32_inference_ms?: number;
  peak_rss_kb?: number;
  validation_samples?: number;
  accuracy_aware?: unknown;
  int8_project_id?: Id;
  int8_model_id?: Id;
  [k: string]: unknown;
}

export interface SweepPoint extends Speed {}

export interface SweepData {
  points: SweepPoint[];
  /** Index of the sweet spot; null when no point meets the latency bound. */
  best: number | null;
  /** null when there was no bound (the request's 0). */
  max_latency_ms: number | null;
  [k: string]: unknown;
}

export interface CompareSide {
  path: string;
  precision: string;
  file_bytes: number;
  weight_bytes: number;
  memory_bytes: number;
  accuracy: { top1: number | null; top5: number | null } | null;
  speed: Speed;
  layers_by_precision: Record<string, number>;
  profile: { runs: number; total_ms: number; unprofiled_ms: number; by_precision_ms: Record<string, number>; by_op_ms: Record<string, number> };
}

export interface CompareLayerSide {
  steps: string[];
  op: string;
  precision: string;
  impl: string;
  ms: number;
}

export interface CompareLayer {
  nodes: string[];
  op: string;
  a: CompareLayerSide | null;
  b: CompareLayerSide | null;
  delta_ms: number;
  output: string;
  sqnr_db: number | null;
  cosine: number | null;
  note: string;
}

export interface PredictionChange {
  index: number;
  source: string;
  label: number | null;
  pred_a: number;
  pred_b: number;
  mse: number;
}

export interface CompareData {
  schema: string;
  a: CompareSide;
  b: CompareSide;
  settings: Partial<Settings>;
  rounds: number;
  dataset: Record<string, unknown> | null;
  usage: Usage | Record<string, unknown>;
  annotated: boolean;
  accuracy: { top1_drop: number | null; top5_drop: number | null } | null;
  ratios: { throughput: number; latency: number; size: number };
  error_samples: number;
  layers: CompareLayer[];
  predictions: {
    samples: number;
    changed: number;
    fixed: number;
    broken: number;
    mean_mse: number;
    max_mse: number;
    mse?: number[];
    changes: PredictionChange[];
  } | null;
  project_a?: Id;
  project_b?: Id;
}

export interface Result<D = unknown> {
  id: Id;
  job_id: Id;
  project_id: Id;
  kind: 'inference' | 'calibration' | 'compare' | 'sweep' | string;
  created_at: string;
  data: D;
}

export interface Project {
  id: Id;
  name: string;
  model_id: Id | null;
  dataset_id: Id;
  parent_project_id: Id | null;
  created_at: string;
  usage: Usage | null;
  settings: Settings;
  model: Model | null;
  dataset: Dataset | null;
  int8: { available: boolean; reason: string };
  status: ProjectStatus;
  /** Not in docs/API.md, sent by calibra serve: the project's newest job. */
  latest_job?: Job | null;
  latest: {
    baseline: Result<InferenceData> | null;
    calibration: Result<CalibrationData> | null;
    sweep: Result<SweepData> | null;
  };
  children: Id[];
}

export interface SystemInfo {
  cores: number;
  isa: string;
  vnni: boolean;
  threads_max: number;
}

export interface Health {
  status: string;
  version: string;
  jobs_queued: number;
  job_running: Id | null;
}

export interface CalibrateBody {
  dataset_id?: Id;
  subset?: number;
  subset_percent?: number;
  method: 'default' | 'accuracy_aware';
  max_drop?: number;
  drop_type?: 'absolute' | 'relative';
  preset: 'performance' | 'mixed';
  algorithm: 'minmax' | 'percentile' | 'kl' | 'mse' | 'auto';
  settings: Partial<Settings>;
}

export interface CalibrateResponse {
  job: Job;
  project: Project;
  warning?: string;
}

export interface SweepBody {
  batches: number[];
  streams: number[];
  max_latency_ms: number;
  seconds: number;
}

/** GET /api/datasets/builtin (served by calibra serve, not in docs/API.md). */
export interface BuiltinDataset {
  spec: string;
  description: string;
  available: boolean;
}
