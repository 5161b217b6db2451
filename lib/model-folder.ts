import fs from 'node:fs';
import path from 'node:path';

import { detectFamily, type TemplateName } from './decoder-templates';
import { CrossrankError } from './errors';
import {
  type CheckedDownloadOptions,
  downloadModel,
  type GraphChoice,
  graphInFolder,
  type HubSnapshot,
  isHubId,
  listModelFiles,
  noGraphMessage,
} from './hub';

export type Activation = 'sigmoid' | 'softmax' | 'none';

/** What a Hugging Face model folder tells us, before anything native is loaded. */
export interface ModelFolder {
  dir: string;
  modelPath: string;
  tokenizerPath: string;
  /** From config.json (`id2label` or `num_labels`); undefined if it says neither. */
  numLabels: number | undefined;
  /** config.json's `id2label` names in id order; undefined if it has none. */
  labels: string[] | undefined;
  /** config.json's `vocab_size`: every token id must be below it. */
  vocabSize: number | undefined;
  /** min(tokenizer_config.json `model_max_length`, usable position embeddings); 512 when neither says. */
  maxLength: number;
  /** The same limit, undefined when neither file gives one. */
  declaredMaxLength: number | undefined;
  /** config.json's activation, if it names one; the native side applies sentence-transformers' default
   * (sigmoid for one label, none for several) once the graph has told the label count. */
  activation: Activation | undefined;
  /** The decoder-reranker family config.json, the chat template or config_sentence_transformers.json names; undefined for encoders. */
  family: TemplateName | undefined;
}

type Json = Record<string, unknown>;

function readJson(file: string, code: 'INVALID_CONFIG' | 'INVALID_TOKENIZER'): Json | undefined {
  if (!fs.existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new CrossrankError(code, `${file} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CrossrankError(code, `${file} must hold a JSON object`);
  }
  return parsed as Json;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

// Fully-qualified torch class names as sentence-transformers writes them, e.g.
// "torch.nn.modules.activation.Sigmoid" or "torch.nn.modules.linear.Identity".
function activationFromConfig(name: string, file: string): Activation {
  const leaf = name.split('.').pop();
  if (leaf === 'Sigmoid') return 'sigmoid';
  if (leaf === 'Softmax') return 'softmax';
  if (leaf === 'Identity') return 'none';
  throw new CrossrankError(
    'INVALID_CONFIG',
    `${file} asks for activation '${name}', which crossrank does not implement; ` +
      `pass the activation option ('sigmoid', 'softmax' or 'none') to choose one`,
  );
}

function findModelFile(dir: string, choice: GraphChoice): string {
  if (choice.modelFile !== undefined && path.isAbsolute(choice.modelFile)) {
    if (!fs.statSync(choice.modelFile, { throwIfNoEntry: false })?.isFile()) {
      throw new CrossrankError('MODEL_NOT_FOUND', `modelFile '${choice.modelFile}' not found`);
    }
    return choice.modelFile;
  }
  const graph = graphInFolder(dir, choice);
  if (graph === undefined) {
    throw new CrossrankError('MODEL_NOT_FOUND', noGraphMessage(dir, choice, listModelFiles(dir)));
  }
  return path.join(dir, graph);
}

/** Where a model's folder is: `idOrPath` itself if it exists, else the cached snapshot of that Hub id. */
export async function locateModel(
  idOrPath: string,
  options: CheckedDownloadOptions,
): Promise<{ dir: string; choice: GraphChoice; hub: HubSnapshot | undefined }> {
  if (fs.existsSync(idOrPath) || !isHubId(idOrPath)) return { dir: idOrPath, choice: options.choice, hub: undefined };
  const hub = await downloadModel(idOrPath, options);
  return { dir: hub.dir, choice: { modelFile: hub.graph }, hub };
}

export function readModelFolder(modelDir: string, choice: GraphChoice): ModelFolder {
  const dir = path.resolve(modelDir);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new CrossrankError(
      'MODEL_NOT_FOUND',
      `model folder not found: ${dir} (nor is '${modelDir}' a Hub model id, which reads org/name)`,
    );
  }
  const tokenizerPath = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(tokenizerPath)) {
    throw new CrossrankError('MODEL_NOT_FOUND', `${dir} has no tokenizer.json (a Hugging Face "fast" tokenizer file)`);
  }
  const modelPath = findModelFile(dir, choice);
  const configPath = path.join(dir, 'config.json');
  const config = readJson(configPath, 'INVALID_CONFIG') ?? {};
  const tokenizerConfig = readJson(path.join(dir, 'tokenizer_config.json'), 'INVALID_TOKENIZER') ?? {};

  const id2label = config.id2label;
  const numLabels =
    id2label && typeof id2label === 'object' ? Object.keys(id2label).length || undefined : positiveInteger(config.num_labels);

  // RoBERTa-family models number positions from padding_idx + 1, so two embeddings are unusable.
  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  const positionOffset = /roberta|camembert/.test(modelType) ? (positiveInteger(config.pad_token_id) ?? 1) + 1 : 0;
  const positions = positiveInteger(config.max_position_embeddings);
  // transformers writes a huge sentinel (1e30) when a tokenizer has no limit of its own.
  const tokenizerLimit = positiveInteger(tokenizerConfig.model_max_length);
  const limits = [positions !== undefined ? positions - positionOffset : undefined, tokenizerLimit].filter(
    (n): n is number => n !== undefined && n > 0 && n < 1e9,
  );
  const declaredMaxLength = limits.length ? Math.min(...limits) : undefined;

  const stConfig = config.sentence_transformers;
  const configured =
    stConfig && typeof stConfig === 'object' && typeof (stConfig as Json).activation_fn === 'string'
      ? ((stConfig as Json).activation_fn as string)
      : typeof config.sbert_ce_default_activation_function === 'string'
        ? config.sbert_ce_default_activation_function
        : undefined;

  const labels =
    id2label && typeof id2label === 'object' && Object.keys(id2label).length > 0
      ? Object.entries(id2label as Json)
          .sort(([a], [b]) => Number(a) - Number(b))
          .map(([, name]) => String(name))
      : undefined;

  return {
    dir,
    modelPath,
    tokenizerPath,
    numLabels,
    labels,
    vocabSize: positiveInteger(config.vocab_size),
    maxLength: declaredMaxLength ?? 512,
    declaredMaxLength,
    activation: configured !== undefined ? activationFromConfig(configured, configPath) : undefined,
    family: detectFamily(dir, config, tokenizerConfig),
  };
}
