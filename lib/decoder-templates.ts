// Decoder (causal LM) rerankers: one entry per model family with the prompt its reference code builds,
// and how a model folder says which family it is. The native side (native/engine/prompt_template.h)
// only assembles prompt = prefix + body (instruction, query, document put in) + suffix.
import fs from 'node:fs';
import path from 'node:path';

import type { NativePromptTemplate } from '../binding';
import { invalidArgument } from './errors';
import { describe } from './validate';

export type TemplateName = 'qwen3-reranker' | 'mxbai-rerank-v2' | 'bge-reranker-gemma';

/** A prompt of your own (`template` load option). */
export interface PromptTemplate {
  /** Text before the pair, e.g. the system turn; tokenized without special tokens, never truncated. */
  prefix: string;
  /** Holds `{query}` and `{document}`, and `{instruction}` if the model takes one; cut from its end to fit maxLength. */
  body: string;
  /** Text after the pair, up to where the model answers; never truncated. */
  suffix: string;
  /** The answer token whose logit scores relevance; must be a single token of the vocabulary. */
  yes: string;
  /** The opposing token: the score is logit(yes) - logit(no). Absent: logit(yes) alone. */
  no?: string;
  /** Instruction used when neither the load nor the call gives one. Default ''. */
  instruction?: string;
}

interface Family {
  template: Required<Omit<PromptTemplate, 'no'>> & { no?: string };
  /** How an instruction enters the body's {instruction}. */
  formatInstruction(instruction: string): string;
  /** Text unique to the family's prompt, as it appears in a chat template or sentence-transformers config. */
  marker: string;
  /** config.json `architectures` entries and `model_type`s of the family. */
  architectures: readonly string[];
  modelTypes: readonly string[];
}

const QWEN3_SYSTEM =
  'Judge whether the Document meets the requirements based on the Query and the Instruct provided. ' +
  'Note that the answer can only be "yes" or "no".';
const MXBAI_TASK =
  'You are a search relevance expert who evaluates how well documents match search queries. For each ' +
  'query-document pair, carefully analyze the semantic relationship between them, then provide your binary ' +
  'relevance judgment (0 for not relevant, 1 for relevant).';
const GEMMA_TASK =
  "Given a query A and a passage B, determine whether the passage contains an answer to the query by providing " +
  "a prediction of either 'Yes' or 'No'.";

/** The families' prompts, from their reference code (Qwen3-Reranker's model card, mxbai_rerank_v2.py, FlagEmbedding). */
export const TEMPLATES: Readonly<Record<TemplateName, Family>> = Object.freeze({
  'qwen3-reranker': {
    template: {
      prefix: `<|im_start|>system\n${QWEN3_SYSTEM}<|im_end|>\n<|im_start|>user\n`,
      body: '<Instruct>: {instruction}\n<Query>: {query}\n<Document>: {document}',
      suffix: '<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n',
      yes: 'yes',
      no: 'no',
      instruction: 'Given a web search query, retrieve relevant passages that answer the query',
    },
    formatInstruction: (instruction) => instruction,
    marker: 'Judge whether the Document meets the requirements',
    architectures: ['Qwen3ForCausalLM', 'Qwen3ForSequenceClassification'],
    modelTypes: ['qwen3'],
  },
  'mxbai-rerank-v2': {
    template: {
      prefix:
        '<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\n',
      body: '{instruction}query: {query}\ndocument: {document}\n',
      suffix: `${MXBAI_TASK}\nRelevance:<|im_end|>\n<|im_start|>assistant\n`,
      yes: '1',
      no: '0',
      instruction: '',
    },
    // The instruction line is there only when there is an instruction.
    formatInstruction: (instruction) => (instruction === '' ? '' : `instruction: ${instruction}\n`),
    marker: 'search relevance expert',
    architectures: ['Qwen2ForCausalLM', 'Qwen2ForSequenceClassification'],
    modelTypes: ['qwen2'],
  },
  'bge-reranker-gemma': {
    template: { prefix: '<bos>', body: 'A: {query}\nB: {document}', suffix: `\n${GEMMA_TASK}`, yes: 'Yes', instruction: '' },
    formatInstruction: (instruction) => instruction,
    marker: 'Given a query A and a passage B',
    architectures: ['GemmaForCausalLM', 'Gemma2ForCausalLM'],
    modelTypes: ['gemma', 'gemma2'],
  },
});

export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[];

/** A decoder template, resolved for the native side. */
export interface ResolvedTemplate {
  /** The family's name, or 'custom'. */
  name: TemplateName | 'custom';
  native: NativePromptTemplate;
  /** The instruction in effect at load (before formatting). */
  instruction: string;
  takesInstruction: boolean;
  formatInstruction(instruction: string): string;
}

type Json = Record<string, unknown>;

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The decoder family a model folder belongs to, or undefined for an encoder: the prompt text found in
 * its chat template or config_sentence_transformers.json first, then config.json's architectures and
 * model_type.
 */
export function detectFamily(dir: string, config: Json, tokenizerConfig: Json): TemplateName | undefined {
  const chatTemplate = tokenizerConfig.chat_template;
  const texts = [
    typeof chatTemplate === 'string' ? chatTemplate : Array.isArray(chatTemplate) ? JSON.stringify(chatTemplate) : '',
    readText(path.join(dir, 'chat_template.jinja')) ?? '',
    readText(path.join(dir, 'config_sentence_transformers.json')) ?? '',
  ].join('\n');
  for (const name of TEMPLATE_NAMES) if (texts.includes(TEMPLATES[name].marker)) return name;
  const architectures = Array.isArray(config.architectures) ? config.architectures.map(String) : [];
  for (const name of TEMPLATE_NAMES) {
    if (architectures.some((a) => TEMPLATES[name].architectures.includes(a))) return name;
  }
  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  return TEMPLATE_NAMES.find((name) => TEMPLATES[name].modelTypes.includes(modelType));
}

function checkTemplateObject(value: object): PromptTemplate {
  const t = value as Record<string, unknown>;
  for (const key of ['prefix', 'body', 'suffix', 'yes'] as const) {
    if (typeof t[key] !== 'string') throw invalidArgument(`options.template.${key} must be a string, got ${describe(t[key])}`);
  }
  for (const key of ['no', 'instruction'] as const) {
    if (t[key] !== undefined && typeof t[key] !== 'string') {
      throw invalidArgument(`options.template.${key} must be a string when given, got ${describe(t[key])}`);
    }
  }
  const body = t.body as string;
  for (const placeholder of ['{query}', '{document}']) {
    if (!body.includes(placeholder)) throw invalidArgument(`options.template.body must hold ${placeholder}, got ${JSON.stringify(body)}`);
  }
  if (t.yes === '' || t.no === '') throw invalidArgument('options.template.yes and .no must not be empty');
  return t as unknown as PromptTemplate;
}

/**
 * The template a load uses: the `template` option (a family name or an object), else the folder's
 * detected family; undefined for an encoder. `instruction`: the load option.
 */
export function resolveTemplate(
  option: unknown,
  detected: TemplateName | undefined,
  instruction: string | undefined,
): ResolvedTemplate | undefined {
  let name: TemplateName | 'custom';
  let custom: PromptTemplate | undefined;
  if (option === undefined) {
    if (detected === undefined) {
      if (instruction !== undefined) {
        throw invalidArgument('options.instruction applies to decoder rerankers only; this model is an encoder (no template)');
      }
      return undefined;
    }
    name = detected;
  } else if (typeof option === 'string') {
    if (!(TEMPLATE_NAMES as string[]).includes(option)) {
      throw invalidArgument(`options.template must be one of ${TEMPLATE_NAMES.map((n) => `'${n}'`).join(', ')} or an object, got '${option}'`);
    }
    name = option as TemplateName;
  } else if (typeof option === 'object' && option !== null && !Array.isArray(option)) {
    name = 'custom';
    custom = checkTemplateObject(option);
  } else {
    throw invalidArgument(`options.template must be a template name or an object, got ${describe(option)}`);
  }
  const template: PromptTemplate = name === 'custom' ? (custom as PromptTemplate) : TEMPLATES[name].template;
  const format = name === 'custom' ? (text: string) => text : TEMPLATES[name].formatInstruction;
  const takesInstruction = template.body.includes('{instruction}');
  if (instruction !== undefined && !takesInstruction) {
    throw invalidArgument(`options.instruction: the '${name}' template has no {instruction} in its body`);
  }
  const effective = instruction ?? template.instruction ?? '';
  const { prefix, body, suffix, yes, no } = template;
  return {
    name,
    native: { prefix, body, suffix, yes, ...(no !== undefined ? { no } : {}), instruction: format(effective) },
    instruction: effective,
    takesInstruction,
    formatInstruction: format,
  };
}
