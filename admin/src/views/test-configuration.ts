import { api, ApiError } from '../api.js';
import { busy, field, h, replace } from '../dom.js';
import type { ViewContext } from '../main.js';
import { announce, errorBox, pageHeading, table } from '../ui.js';

/** Line and column of a JSON.parse failure, when the engine says where ("… at position 42"). */
function wherePosition(text: string, message: string): string {
  const match = /position (\d+)/.exec(message);
  if (!match) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

/** The value at a JSON Pointer, shortened, to show next to the error. */
function valueAt(document: unknown, pointer: string): string {
  if (!pointer) return '';
  let value: unknown = document;
  for (const raw of pointer.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (value === null || typeof value !== 'object' || !(token in (value as object))) return '(missing)';
    value = (value as Record<string, unknown>)[token];
  }
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** Paste or load a configuration, test it with POST /api/v1/provision/test (public), see every error by path. */
export function testView(context: ViewContext): void {
  const text = h('textarea', { name: 'configuration', rows: 16, spellcheck: 'false', class: 'mono', autocomplete: 'off' });
  const file = h('input', { type: 'file', name: 'file', accept: 'application/json,.json' });
  const submit = h('button', { type: 'submit' }, 'Test the configuration');
  const outcome = h('div', { class: 'outcome' });

  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    void chosen.text().then(
      (content) => {
        text.value = content;
        announce(`Loaded ${chosen.name}.`);
      },
      (error: unknown) => replace(outcome, errorBox(error, `Could not read ${chosen.name}: `)),
    );
  });

  const form = h(
    'form',
    {
      class: 'card',
      onSubmit: (event: Event) => {
        event.preventDefault();
        const source = text.value;
        let parsed: unknown;
        try {
          parsed = JSON.parse(source);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          replace(outcome, errorBox(new Error(`${message}${wherePosition(source, message)}`), 'This is not valid JSON: '));
          text.focus();
          return;
        }
        void busy(submit, async () => {
          try {
            await api('POST', '/api/v1/provision/test', { rawBody: source, anonymous: true });
            replace(outcome, h('p', { class: 'success', role: 'status' }, 'The configuration is valid.'));
          } catch (error) {
            if (error instanceof ApiError && error.errors.length) {
              const count = error.errors.length;
              replace(
                outcome,
                h(
                  'div',
                  { class: 'error', role: 'alert' },
                  h('p', null, h('strong', null, `${error.message}: ${count} ${count === 1 ? 'error' : 'errors'}.`)),
                ),
                table(
                  'Errors by path',
                  ['Path', 'Error', 'Value there'],
                  error.errors.map((e) => [h('code', null, e.path || '/'), e.message, h('span', { class: 'mono' }, valueAt(parsed, e.path))]),
                ),
              );
            } else {
              replace(outcome, errorBox(error, 'The test did not run: '));
            }
          }
        });
      },
    },
    field('Configuration (JSON)', text, 'Paste the configuration exported by the Xelion Configurator, or load a file below.'),
    field('Or load a file', file),
    h('p', { class: 'actions' }, submit),
  );

  context.main.append(
    pageHeading('Test a configuration'),
    h('p', null, 'Checks a configuration without creating an order: the same checks as submitting it for provisioning.'),
    form,
    h('section', { 'aria-label': 'Test outcome' }, outcome),
  );
}
