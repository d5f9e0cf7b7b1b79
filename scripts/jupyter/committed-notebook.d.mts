/** Types of committed-notebook.mjs for the TypeScript tests. */
export declare const FIGURE_MARK: string;
export declare const MOST_COMMITTED_BYTES: number;
export declare function committedNotebook<T extends { cells: unknown[] }>(notebook: T): T;
export declare function commitOutputs(executedFile: string, targetFile: string): number;
