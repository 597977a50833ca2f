// A <details> under an alert card whose content comes from the API: loaded when opened, reloaded on the alert's
// changes while open; an older answer arriving late never replaces a newer one. Subclasses render `this.body`.
import { t } from './i18n.js';

export class LazyDetails {
  /**
   * @param {{api: {get: (path: string) => Promise<unknown>}, details: HTMLDetailsElement, path: string,
   *          status: HTMLElement}} options
   */
  constructor({ api, details, path, status }) {
    this.api = api;
    this.details = details;
    this.path = path;
    this.status = status;
    /** The last answer, kept to re-render in another language. */
    this.body = null;
    this.error = null;
    this.loads = 0;
    details.addEventListener('toggle', () => {
      if (details.open) this.load();
    });
  }

  /** The alert changed (an `alert.updated` frame): reload if open, else it loads when opened. */
  refresh() {
    if (this.details.open) this.load();
  }

  async load() {
    const load = ++this.loads;
    if (!this.body) this.showStatus(t('attemptsLoading'));
    try {
      const body = await this.api.get(this.path);
      if (load !== this.loads) return;
      this.body = body;
      this.error = null;
    } catch (error) {
      if (load !== this.loads) return;
      this.error = error instanceof Error ? error.message : String(error);
    }
    this.render();
  }

  /** The error if the last load failed (true: nothing else to render). */
  renderError() {
    if (!this.error) return false;
    this.showStatus(t('attemptsFailed', { message: this.error }));
    return true;
  }

  showStatus(text) {
    this.status.textContent = text;
    this.status.hidden = !text;
  }
}
