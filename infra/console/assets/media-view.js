// "Snapshot and clip" under an alert card: the alert's media from GET /v1/alerts/:id/media, each with its state
// (capturing…, failed: why). A stored snapshot is shown at once; a stored clip loads when asked (a few MB). Both
// need the staff token, so they are fetched as blobs and shown from object URLs, revoked when the card goes.
import { itemsOf } from './api.js';
import { t } from './i18n.js';
import { LazyDetails } from './lazy-details.js';

export class MediaView extends LazyDetails {
  /** @param {{api: {get: Function, blob: Function}, details: HTMLDetailsElement, alertId: string}} options */
  constructor({ api, details, alertId }) {
    const path = `/v1/alerts/${encodeURIComponent(alertId)}`;
    // The API answers 404 for media the caller may not see (no reason to view, no consent): shown as "none".
    const media = {
      get: (target) =>
        api.get(target).catch((error) => {
          if (error?.status === 404) return { items: [] };
          throw error;
        }),
      blob: (target) => api.blob(target),
    };
    super({ api: media, details, path: `${path}/media`, status: details.querySelector('.media-state') });
    this.base = path;
    this.list = details.querySelector('.media-list');
    /** media id → Promise of its object URL, fetched once per card. */
    this.urls = new Map();
  }

  render() {
    if (this.renderError() || !this.body) return;
    const items = itemsOf(this.body);
    this.showStatus(items.length ? '' : t('mediaNone'));
    this.list.replaceChildren(...items.map((media) => this.item(media)));
  }

  item(media) {
    const item = document.createElement('li');
    item.className = 'media-item';
    item.dataset.kind = media.kind;
    item.dataset.state = media.state;
    const caption = document.createElement('p');
    caption.className = 'media-caption';
    caption.textContent = `${media.cameraName} · ${t(`media.${media.kind}`)}`;
    item.append(caption);
    if (media.state !== 'stored') {
      const state = document.createElement('p');
      state.className = 'media-note hint';
      state.textContent =
        media.state === 'failed' ? t('mediaFailed', { error: media.error ?? '' }) : t('mediaCapturing');
      item.append(state);
      return item;
    }
    if (media.kind === 'snapshot') {
      const image = document.createElement('img');
      image.className = 'media-snapshot';
      image.alt = t('mediaSnapshotAlt', { camera: media.cameraName });
      item.append(image);
      this.show(image, media);
      return item;
    }
    const video = document.createElement('video');
    video.className = 'media-clip';
    video.controls = true;
    video.playsInline = true;
    video.hidden = true;
    const load = document.createElement('button');
    load.type = 'button';
    load.className = 'secondary media-load';
    load.textContent = t('mediaLoadClip');
    load.addEventListener('click', async () => {
      load.disabled = true;
      if (await this.show(video, media)) {
        load.hidden = true;
        video.hidden = false;
      } else load.disabled = false;
    });
    item.append(load, video);
    if (this.urls.has(media.id)) load.click();
    return item;
  }

  /** Points `element` at the media's bytes; false (with the reason shown) when they could not be fetched. */
  async show(element, media) {
    let url = this.urls.get(media.id);
    if (!url) {
      const query = `?cameraId=${encodeURIComponent(media.cameraId)}`;
      url = this.api.blob(`${this.base}/${media.kind}${query}`).then((blob) => URL.createObjectURL(blob));
      this.urls.set(media.id, url);
    }
    try {
      element.src = await url;
      return true;
    } catch (error) {
      this.urls.delete(media.id);
      this.showStatus(t('attemptsFailed', { message: error instanceof Error ? error.message : String(error) }));
      return false;
    }
  }

  /** The card is gone: its object URLs are released. */
  dispose() {
    for (const url of this.urls.values()) url.then((href) => URL.revokeObjectURL(href)).catch(() => {});
    this.urls.clear();
  }
}
