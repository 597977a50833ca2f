// Small form controls the panels build in code (ladder steps, the override form's choices): one way to make each.

export function numberInput(name, value, min, max) {
  const input = document.createElement('input');
  input.type = 'number';
  input.name = name;
  input.min = String(min);
  input.max = String(max);
  input.value = String(value);
  return input;
}

/** A control under its caption, as the settings panel lays them out. */
export function labelled(text, control) {
  const label = document.createElement('label');
  label.className = 'ladder-field';
  const span = document.createElement('span');
  span.textContent = text;
  label.append(span, control);
  return label;
}

export function button(text, kind, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = kind;
  element.textContent = text;
  if (onClick) element.addEventListener('click', onClick);
  return element;
}

/**
 * Replaces a select's options by `choices` ({value, label}), keeping the chosen value when it is still offered
 * (else `fallback`, else the first).
 */
export function fillSelect(select, choices, fallback) {
  const chosen = select.value;
  select.replaceChildren(
    ...choices.map(({ value, label }) => {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      return option;
    }),
  );
  const offered = (value) => choices.some((choice) => choice.value === value);
  if (offered(chosen)) select.value = chosen;
  else if (fallback !== undefined && offered(fallback)) select.value = fallback;
}
