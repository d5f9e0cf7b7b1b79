import fs from 'node:fs';
import { createHash } from 'node:crypto';

/**
 * The parsed content of a JSON file, or `fallback` when the file does not exist. A file that exists but does not
 * parse is an error naming it, never a silent fallback: the caller would otherwise overwrite it.
 */
export function readJsonFile<T>(file: string, fallback: T): T | unknown {
  if (!fs.existsSync(file)) return fallback;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: corrupt JSON (${(error as Error).message})`, { cause: error });
  }
}

const canonicalText = (value: object) => JSON.stringify(value);

/**
 * `value` with a `sha256` field, the SHA-256 of its JSON without that field (as checkpoint manifests carry): an edit
 * by hand or a damaged byte that still parses is caught by {@link verifiedJson}.
 */
export function withChecksum<T extends object>(value: T): T & { sha256: string } {
  const { sha256: _, ...rest } = value as T & { sha256?: string };
  return { ...(rest as T), sha256: createHash('sha256').update(canonicalText(rest)).digest('hex') };
}

/**
 * `value` less its `sha256` field, after checking the field against the content; an error names `file` on a
 * mismatch. A value without the field (written before files carried one) is returned as it is.
 */
export function verifiedJson<T extends object>(file: string, value: T): Omit<T, 'sha256'> {
  const { sha256, ...rest } = value as T & { sha256?: unknown };
  if (sha256 === undefined) return rest;
  if (sha256 !== createHash('sha256').update(canonicalText(rest)).digest('hex'))
    throw new Error(`${file}: corrupt: its content does not match its own SHA-256 (edited or damaged)`);
  return rest;
}
