import { fileURLToPath } from 'node:url';

/** The staff console's static files (index.html, assets/): served by nginx, or by the functions app under `npm start`. */
export const consoleRoot = fileURLToPath(new URL('./console', import.meta.url));
