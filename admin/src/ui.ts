import { ApiError, type OrderStatus } from './api.js';
import { h, type Child } from './dom.js';

/** An error as the user reads it: the API's message, then every field or path it names. */
export function errorBox(error: unknown, title?: string): HTMLElement {
  const box = h('div', { class: 'error', role: 'alert' });
  const message = error instanceof Error ? error.message : String(error);
  box.append(h('p', null, h('strong', null, title ?? 'Something went wrong: '), message));
  if (error instanceof ApiError) {
    if (error.details.length) {
      box.append(h('ul', null, error.details.map((d) => h('li', null, h('code', null, d.field), ': ', d.message))));
    }
    if (error.errors.length) {
      box.append(h('ul', null, error.errors.map((e) => h('li', null, h('code', null, e.path || '/'), ': ', e.message))));
    }
  }
  return box;
}

/** Shows an error (or clears it with null) in a slot element. */
export function showError(slot: Element, error: unknown | null, title?: string): void {
  slot.replaceChildren(...(error === null ? [] : [errorBox(error, title)]));
}

const STATUS_WORDS: Record<OrderStatus, string> = {
  NOT_STARTED: 'Not started',
  IN_PROGRESS: 'In progress',
  FAILED: 'Failed',
  COMPLETED: 'Completed',
};

export function statusWord(status: string): string {
  return STATUS_WORDS[status as OrderStatus] ?? status;
}

/** The status in words (never colour alone), coloured for a quick look. */
export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge badge-${status.toLowerCase().replace(/_/g, '-')}` }, statusWord(status));
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function time(iso: string | null | undefined, empty = '—'): Child {
  if (!iso) return empty;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return h('time', { datetime: iso }, dateFormat.format(date));
}

export function duration(from: string | null, to: string | null): string {
  if (!from || !to) return '';
  const ms = new Date(to).getTime() - new Date(from).getTime();
  if (!(ms >= 0)) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

let announcer: HTMLElement | null = null;

/** Says something to screen readers (a polite live region) without moving focus. */
export function announce(text: string): void {
  announcer ??= document.getElementById('announcer');
  if (!announcer) return;
  announcer.textContent = '';
  // A fresh text node after a tick, so that the same sentence twice is read twice.
  window.setTimeout(() => {
    if (announcer) announcer.textContent = text;
  }, 50);
}

/** A heading that receives focus after navigation (tabindex -1: focusable by script only). */
export function pageHeading(text: string, ...rest: Child[]): HTMLHeadingElement {
  return h('h1', { tabindex: -1, class: 'page-heading' }, text, ...rest);
}

/** A table that scrolls sideways on a narrow screen instead of breaking the layout. */
export function table(caption: string, head: string[], rows: Child[][], options: { captionHidden?: boolean } = {}): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap', role: 'region', 'aria-label': caption, tabindex: 0 },
    h(
      'table',
      null,
      h('caption', options.captionHidden ? { class: 'visually-hidden' } : null, caption),
      h('thead', null, h('tr', null, head.map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', null, rows.map((cells) => h('tr', null, cells.map((cell) => h('td', null, cell))))),
    ),
  );
}

/** A value with a copy button (the key shown once, the webhook secret). */
export function copyField(label: string, value: string, focusKey: string): HTMLElement {
  const input = h('input', { type: 'text', readonly: true, value, class: 'mono', spellcheck: 'false', autocomplete: 'off', 'aria-label': label });
  const said = h('span', { class: 'hint', role: 'status' });
  const button = h(
    'button',
    {
      type: 'button',
      'data-focus': focusKey,
      onClick: async () => {
        try {
          await navigator.clipboard.writeText(value);
        } catch {
          // No clipboard API (a plain-http origin other than localhost): copy the selection instead.
          input.select();
          document.execCommand('copy');
        }
        said.textContent = 'Copied.';
      },
    },
    'Copy',
  );
  return h('div', { class: 'copy-field' }, input, button, said);
}
