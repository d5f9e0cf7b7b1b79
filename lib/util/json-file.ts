import fs from 'node:fs';

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
