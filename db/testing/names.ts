/** Database holding the migrated schema that every test file clones. */
export const TEMPLATE_DATABASE = 'carewatch_test_template';

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
