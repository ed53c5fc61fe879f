import type { BuildOptions } from 'esbuild';

export function commonBuildOptions(production: boolean): BuildOptions;
export function webviewBuildOptions(production: boolean): BuildOptions;
