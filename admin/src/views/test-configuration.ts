import { api, ApiError, session, type Plan } from '../api.js';
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

type PlanChange = Plan['changes'][number];

/** A value of a plan's field change, shortened. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

/** The plan: the summary, the requirements, the conflicts, and the changes grouped by kind (unchanged ones collapsed). */
function planOutcome(plan: Plan): HTMLElement {
  const { create, update, unchanged } = plan.summary;
  const failed = plan.requirements.filter((r) => !r.ok && r.severity === 'error');
  const kinds = [...new Set(plan.changes.map((c) => c.kind))];
  const changeRows = (changes: PlanChange[]) =>
    changes.map((c) => [
      c.action,
      h('span', null, c.key),
      h('code', null, c.path || '/'),
      c.fields ? h('ul', { class: 'plain' }, Object.entries(c.fields).map(([name, f]) => h('li', null, h('code', null, name), ': ', shown(f.from), ' → ', shown(f.to)))) : '',
    ]);
  return h(
    'div',
    { class: 'plan' },
    h(
      'p',
      { class: failed.length || plan.conflicts.length ? 'error' : 'success', role: 'status' },
      h('strong', null, `Plan: ${create} to create, ${update} to update, ${unchanged} unchanged`),
      failed.length || plan.conflicts.length ? ` — an order would fail: ${failed.length} requirement(s) not met, ${plan.conflicts.length} conflict(s).` : '.',
    ),
    plan.planHash ? h('p', { class: 'hint' }, 'Apply exactly this plan with ', h('code', null, `If-Match: "${plan.planHash}"`)) : null,
    table('Requirements', ['Requirement', 'Met', 'What was found'], plan.requirements.map((r) => [r.name, r.ok ? 'yes' : r.severity === 'warning' ? 'warning' : 'no', r.message])),
    plan.conflicts.length
      ? table('Conflicts', ['Code', 'Path', 'What'], plan.conflicts.map((c) => [h('code', null, c.code), h('code', null, c.path), c.message]))
      : h('p', null, 'No conflicts.'),
    ...kinds.map((kind) => {
      const ofKind = plan.changes.filter((c) => c.kind === kind);
      const changed = ofKind.filter((c) => c.action !== 'unchanged');
      const same = ofKind.filter((c) => c.action === 'unchanged');
      return h(
        'section',
        { 'aria-label': `Changes: ${kind}` },
        h('h3', null, `${kind}: ${changed.filter((c) => c.action === 'create').length} create, ${changed.filter((c) => c.action === 'update').length} update, ${same.length} unchanged`),
        changed.length ? table(`${kind} changes`, ['Action', 'Key', 'Path', 'Fields (from → to)'], changeRows(changed), { captionHidden: true }) : null,
        same.length ? h('details', null, h('summary', null, `${same.length} unchanged`), table(`${kind} unchanged`, ['Action', 'Key', 'Path', ''], changeRows(same), { captionHidden: true })) : null,
      );
    }),
  );
}

/** Paste or load a configuration, test it with POST /api/v1/provision/test (public), see every error by path. */
export function testView(context: ViewContext): void {
  const text = h('textarea', { name: 'configuration', rows: 16, spellcheck: 'false', class: 'mono', autocomplete: 'off' });
  const file = h('input', { type: 'file', name: 'file', accept: 'application/json,.json' });
  const submit = h('button', { type: 'submit' }, 'Test the configuration');
  const outcome = h('div', { class: 'outcome' });
  const serverUrl = h('input', { type: 'url', name: 'serverUrl', autocomplete: 'off' });
  const tenantName = h('input', { type: 'text', name: 'tenantName', autocomplete: 'off', placeholder: 'pbx1' });
  const tenantToken = h('input', { type: 'password', name: 'tenantToken', autocomplete: 'off' });
  const planButton = h('button', { type: 'button', class: 'secondary' }, 'Plan');
  planButton.addEventListener('click', () => {
    const source = text.value;
    if (!session.key) {
      replace(outcome, errorBox(new Error('sign in first: a plan reads the tenant with your organization\'s credentials'), 'No plan: '));
      return;
    }
    if (!serverUrl.value || !tenantName.value || !tenantToken.value) {
      replace(outcome, errorBox(new Error('fill in the server URL, the tenant name and a tenant token'), 'No plan: '));
      return;
    }
    void busy(planButton, async () => {
      try {
        const plan = await api<Plan>('POST', '/api/v1/provision/plan', {
          rawBody: source,
          headers: { 'Xelion-Server-Url': serverUrl.value.trim(), 'Xelion-Tenant-Name': tenantName.value.trim(), 'Xelion-Tenant-Token': tenantToken.value.trim() },
        });
        replace(outcome, planOutcome(plan));
      } catch (error) {
        replace(outcome, errorBox(error, 'The plan did not run: '));
      }
    });
  });

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
    h(
      'fieldset',
      null,
      h('legend', null, 'Plan against a tenant (read-only; needs a key)'),
      field('Xelion server URL', serverUrl, 'As in the Xelion-Server-Url header.'),
      field('Tenant name', tenantName),
      field('Tenant token', tenantToken, 'Used for this plan only; never stored.'),
    ),
    h('p', { class: 'actions' }, submit, ' ', planButton),
  );

  context.main.append(
    pageHeading('Test a configuration'),
    h('p', null, 'Checks a configuration without creating an order: the same checks as submitting it for provisioning.'),
    form,
    h('section', { 'aria-label': 'Test outcome' }, outcome),
  );
}
