// A side panel opened and closed by a top-bar button (phone notifications, reports, organisation settings): the
// button says whether it is open, opening moves focus to the panel's title, closing gives it back to the button.

/**
 * @param {{button: HTMLButtonElement, panel: HTMLElement, title: HTMLElement, close: HTMLButtonElement}} elements
 * @param {() => void} onOpen what to load each time it opens
 */
export function bindPanel({ button, panel, title, close }, onOpen) {
  const toggle = {
    open() {
      panel.hidden = false;
      button.setAttribute('aria-expanded', 'true');
      title.focus();
      onOpen();
    },
    close() {
      const hadFocus = panel.contains(document.activeElement);
      panel.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      if (hadFocus) button.focus();
    },
  };
  button.addEventListener('click', () => (panel.hidden ? toggle.open() : toggle.close()));
  close.addEventListener('click', () => toggle.close());
  return toggle;
}
