import fs from 'node:fs';
import path from 'node:path';

const PACKAGE_NAME = 'bigan-notebooks';

/**
 * The project's root folder: the nearest ancestor of the working directory whose package.json is this
 * project's. Found from the working directory rather than from this file's location because the notebooks'
 * tslab kernel compiles lib/ to CommonJS, where `import.meta` does not exist; the CLI, the tests and the kernel
 * all run inside the project.
 */
export function projectRoot(start: string = process.cwd()): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if (JSON.parse(fs.readFileSync(manifest, 'utf8')).name === PACKAGE_NAME) return dir;
      } catch {
        // an unreadable package.json of another project: keep walking up
      }
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`not inside the ${PACKAGE_NAME} project (no package.json named ${PACKAGE_NAME} above ${start})`);
    }
  }
}

/** Resolves a dependency's folder the way Node would from the project root. */
export function packageFolder(name: string): string {
  const root = projectRoot();
  for (let dir = root; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`package ${name} is not installed (run npm run setup)`);
  }
}

/** The folder an environment variable names, else `parts` under the project root: for tests and clusters. */
export function projectFolder(variable: string, ...parts: string[]): string {
  const given = process.env[variable];
  return given ? path.resolve(given) : path.join(projectRoot(), ...parts);
}

/** Where figures are exported: $BIGAN_FIGURES_DIR (the notebook runner sets it), else figures/ in the project. */
export function figuresDir(): string {
  return projectFolder('BIGAN_FIGURES_DIR', 'figures');
}

/**
 * Where runs live: $BIGAN_RUNS_DIR, else runs/ in the project. Shared storage for a cluster's jobs is set here (every
 * task of a sweep must see the same folder).
 */
export function runsDir(): string {
  return projectFolder('BIGAN_RUNS_DIR', 'runs');
}

/**
 * `parts` in the folder of the notebook this kernel runs (Jupyter tells a kernel its notebook's path in
 * JPY_SESSION_NAME), else under the working directory: where a notebook's output can link to files, since the
 * notebook's relative links resolve against its own folder.
 */
export function besideNotebook(...parts: string[]): string {
  const notebook = process.env.JPY_SESSION_NAME;
  const folder = notebook && path.isAbsolute(notebook) ? path.dirname(notebook) : process.cwd();
  return path.join(folder, ...parts);
}
