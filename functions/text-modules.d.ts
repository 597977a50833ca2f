// The docs UI's files, imported as text by the Workers entry (wrangler.toml [[rules]] type "Text";
// infra/worker/build.ts does the same for the test bundle).
declare module 'swagger-ui-dist/swagger-ui-bundle.js' {
  const text: string;
  export default text;
}
declare module 'swagger-ui-dist/swagger-ui.css' {
  const text: string;
  export default text;
}
