// Entry of a t-SNE worker thread. Workers do not inherit the TypeScript loader of their parent in every setting
// (the CLI registers tsx by API, the notebook kernel compiles TypeScript itself), so this plain module registers
// tsx and then loads the worker's TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./tsne-worker-main.ts');
