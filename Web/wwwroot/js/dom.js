// Building DOM from data without innerHTML: memos, window titles and comments come from other people, so they are
// only ever set as text.

/** h('li', {class: 'x', dataset: {a: 1}, onclick: f}, child, 'text', [more]) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** SVG elements need their namespace. */
export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') element.setAttribute('class', value);
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/** A form's own status line: what happened after a submit, read out by screen readers (role=status). */
export function say(output, message, isError = false) {
  if (!output) return;
  output.textContent = message;
  output.classList.toggle('error', isError);
  output.classList.toggle('ok', !isError && message !== '');
}

/**
 * Runs a form's submit handler with its button disabled meanwhile; errors land in the form's [role=status].
 * The handler gets the form's values as an object.
 */
export function onSubmit(form, handler) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const output = form.querySelector('[role=status]');
    const buttons = [...form.querySelectorAll('button')];
    buttons.forEach((b) => { b.disabled = true; });
    say(output, '');
    try {
      const message = await handler(Object.fromEntries(new FormData(form)), event.submitter);
      if (typeof message === 'string') say(output, message);
    } catch (error) {
      say(output, error.detail || error.message || String(error), true);
      if (!output) console.error(error);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}
