/** The files of the swagger-ui-dist package that /docs needs; nothing else is served from it. */
export const docsAssetFiles = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;

export type DocsAssetFile = keyof typeof docsAssetFiles;

/** Reads a docs UI asset; each runtime entry supplies one (Node reads node_modules, Workers bundles the text). */
export type DocsAssetReader = (file: DocsAssetFile) => Promise<string | undefined>;

export function isDocsAssetFile(file: string): file is DocsAssetFile {
  return Object.hasOwn(docsAssetFiles, file);
}
