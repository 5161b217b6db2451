import { invalidArgument } from './errors';
import { describe } from './validate';

/** A document as a vector store returns it: its text, or an object that holds the text. */
export type RerankDocument = string | object;

/** Where an object document's text is: `fields` (Cohere's rank_fields) or a function. */
export interface DocumentTextOptions<D> {
  /** Keys whose values are joined as `key: value` lines, in this order (Cohere's `rank_fields`). */
  fields?: readonly string[];
  /** Reads the text of a document; wins over `fields`. */
  text?: (document: D, index: number) => string;
}

/** Keys tried in order when neither `fields` nor `text` says where an object's text is. */
export const DEFAULT_TEXT_KEYS = ['text', 'content', 'pageContent'] as const;

/**
 * The text to score for each document. Strings are their own text; objects are read as the options
 * say. Errors name the document's index and the key that was missing or not a string.
 */
export function documentTexts<D>(documents: readonly D[], options: DocumentTextOptions<D>): string[] {
  const { fields, text } = options;
  return documents.map((doc, i) => {
    if (text) {
      const value = text(doc, i);
      if (typeof value !== 'string') throw invalidArgument(`options.text(documents[${i}]) must return a string, got ${describe(value)}`);
      return value;
    }
    if (typeof doc === 'string') return doc;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw invalidArgument(`documents[${i}] must be a string or an object, got ${describe(doc)}`);
    }
    const record = doc as Record<string, unknown>;
    if (fields) {
      return fields
        .map((key) => {
          const value = record[key];
          if (typeof value !== 'string') {
            throw invalidArgument(`documents[${i}].${key} must be a string (options.fields names it), got ${describe(value)}`);
          }
          return `${key}: ${value}`;
        })
        .join('\n');
    }
    const key = DEFAULT_TEXT_KEYS.find((k) => typeof record[k] === 'string');
    if (key === undefined) {
      throw invalidArgument(
        `documents[${i}] has no string ${DEFAULT_TEXT_KEYS.map((k) => `'${k}'`).join(', ')} key; ` +
          `name its text with options.fields or options.text`,
      );
    }
    return record[key] as string;
  });
}

/** Checks `fields` and `text` before any document is read. */
export function documentTextOptions<D>(options: { fields?: unknown; text?: unknown }): DocumentTextOptions<D> {
  const { fields, text } = options;
  if (fields !== undefined) {
    if (!Array.isArray(fields) || fields.length === 0 || fields.some((f) => typeof f !== 'string' || f === '')) {
      throw invalidArgument(`options.fields must be a non-empty array of non-empty strings, got ${describe(fields)}`);
    }
  }
  if (text !== undefined && typeof text !== 'function') {
    throw invalidArgument(`options.text must be a function (document, index) => string, got ${describe(text)}`);
  }
  return { fields: fields as readonly string[] | undefined, text: text as DocumentTextOptions<D>['text'] };
}
