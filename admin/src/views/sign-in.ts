import { api, ApiError, session, type Organization } from '../api.js';
import { append, field, h } from '../dom.js';
import type { ViewContext } from '../main.js';
import { pageHeading, showError } from '../ui.js';

/** Sign in with an API key: checked with GET /organizations/me, then kept in sessionStorage only. */
export function signInView(context: ViewContext, notice: string | null, signedIn: (organization: Organization) => void): void {
  const key = h('input', { type: 'password', name: 'apiKey', autocomplete: 'off', spellcheck: 'false', required: true, class: 'mono' });
  const errors = h('div');
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'card narrow',
      onSubmit: async (event: Event) => {
        event.preventDefault();
        const value = key.value.trim();
        if (!value) {
          showError(errors, new Error('Enter an API key.'), 'Cannot sign in: ');
          key.focus();
          return;
        }
        submit.disabled = true;
        try {
          const organization = await api<Organization>('GET', '/api/v1/organizations/me', { key: value });
          session.signIn(value);
          signedIn(organization);
        } catch (error) {
          const shown = error instanceof ApiError && error.status === 401 ? new Error(`the service refused this key (${error.message}).`) : error;
          showError(errors, shown, 'Cannot sign in: ');
          key.focus();
        } finally {
          submit.disabled = false;
        }
      },
    },
    field('API key', key, 'The key stays in this browser tab only and is removed when you sign out or close the tab.'),
    errors,
    h('p', { class: 'actions' }, submit),
  );
  append(context.main, [
    pageHeading('Sign in'),
    notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
    h('p', null, 'Follow your orders and manage your organizations. Sign in with one of your organization’s API keys.'),
    form,
    h('p', null, 'Only want to check a configuration? ', h('a', { href: '#/test' }, 'Test a configuration'), ' needs no key.'),
  ]);
}
