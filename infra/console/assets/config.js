// Where the API and the WebSocket are. Behind nginx both are on this origin (config.json is `{}`); under
// `npm start` the functions app serves config.json naming the realtime node's own address.
export async function loadConfig() {
  let config = {};
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) config = await response.json();
  } catch {
    // No config: same origin.
  }
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return {
    apiBase: typeof config.apiBase === 'string' ? config.apiBase : '',
    wsUrl: typeof config.wsUrl === 'string' ? config.wsUrl : `${scheme}//${location.host}/ws`,
  };
}
