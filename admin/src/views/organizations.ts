import { all, api, type ApiKey, type CreatedApiKey, type Credential, type Organization, type WebhookSecret } from '../api.js';
import { busy, field, h, replace, type Child } from '../dom.js';
import type { ViewContext } from '../main.js';
import { buildTree, forgetOrganizations, organizations, type TreeNode } from '../organizations-cache.js';
import { navigate } from '../router.js';
import { announce, copyField, errorBox, pageHeading, showError, table, time } from '../ui.js';

function treeList(nodes: TreeNode[], selected: number): HTMLUListElement {
  return h(
    'ul',
    null,
    nodes.map((node) =>
      h(
        'li',
        null,
        h(
          'a',
          { href: `#/organizations/${node.organization.id}`, 'aria-current': node.organization.id === selected ? 'page' : null, class: node.organization.disabled ? 'disabled' : null },
          node.organization.name,
          node.organization.disabled ? ' (disabled)' : '',
        ),
        node.children.length ? treeList(node.children, selected) : null,
      ),
    ),
  );
}

/** A section with its own heading and error slot. */
function section(id: string, title: string, ...content: Child[]): HTMLElement {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...content);
}

/** The tree below the caller; one organization's details, children, API keys, credentials and webhook secret. */
export function organizationsView(context: ViewContext, selectedId: number): void {
  const { main } = context;
  const me = context.me!;
  const heading = pageHeading('Organizations');
  const errors = h('div');
  const tree = h('nav', { class: 'tree card', 'aria-label': 'Organization tree' }, h('p', null, 'Loading…'));
  const detail = h('div', { class: 'detail' });
  main.append(heading, errors, h('div', { class: 'split' }, tree, detail));

  void organizations()
    .then((list) => {
      replace(tree, h('h2', null, 'Your organizations'), treeList(buildTree(list, me.id), selectedId));
      const organization = list.find((o) => o.id === selectedId);
      if (!organization) {
        replace(detail, errorBox(new Error(`organization ${selectedId} is not one of yours.`), 'Not found: '));
        return;
      }
      heading.textContent = `Organizations: ${organization.name}`;
      document.title = `${heading.textContent} — Xelion Provisioning`;
      drawDetail(organization, list);
    })
    .catch((error: unknown) => {
      replace(tree);
      showError(errors, error, 'Could not load the organizations: ');
    });

  function drawDetail(organization: Organization, list: Organization[]): void {
    const parent = list.find((o) => o.id === organization.parentId);
    const isMe = organization.id === me.id;
    replace(
      detail,
      section(
        'org-heading',
        organization.name,
        h(
          'dl',
          { class: 'facts' },
          h('dt', null, 'Id'),
          h('dd', null, String(organization.id)),
          h('dt', null, 'Parent'),
          h('dd', null, parent ? h('a', { href: `#/organizations/${parent.id}` }, parent.name) : isMe ? 'above you' : '—'),
          h('dt', null, 'Created'),
          h('dd', null, time(organization.createdAt)),
          h('dt', null, 'State'),
          h('dd', null, organization.disabled ? 'Disabled: its keys do not work' : 'Active'),
        ),
        h('p', null, h('a', { href: `#/orders?organizationId=${organization.id}` }, `Orders of ${organization.name}`)),
      ),
      organization.disabled ? null : renameSection(organization),
      organization.disabled ? null : childSection(organization),
      apiKeysSection(organization),
      credentialsSection(organization),
      secretSection(organization),
      isMe || organization.disabled ? null : disableSection(organization),
    );
  }
}

function renameSection(organization: Organization): HTMLElement {
  const name = h('input', { type: 'text', name: 'name', required: true, maxlength: 100, value: organization.name });
  const errors = h('div');
  const submit = h('button', { type: 'submit' }, 'Rename');
  return section(
    'rename-heading',
    'Rename',
    h(
      'form',
      {
        class: 'inline-form',
        onSubmit: (event: Event) => {
          event.preventDefault();
          void busy(submit, async () => {
            try {
              await api('PATCH', `/api/v1/organizations/${organization.id}`, { body: { name: name.value } });
              forgetOrganizations();
              announce('Renamed.');
              navigate(`#/organizations/${organization.id}`);
            } catch (error) {
              showError(errors, error, 'Could not rename: ');
            }
          });
        },
      },
      field('Name', name),
      submit,
    ),
    errors,
  );
}

function childSection(organization: Organization): HTMLElement {
  const name = h('input', { type: 'text', name: 'childName', required: true, maxlength: 100 });
  const errors = h('div');
  const submit = h('button', { type: 'submit' }, 'Create organization');
  return section(
    'child-heading',
    'Add a sub-organization',
    h(
      'form',
      {
        class: 'inline-form',
        onSubmit: (event: Event) => {
          event.preventDefault();
          void busy(submit, async () => {
            try {
              const created = await api<Organization>('POST', '/api/v1/organizations', { body: { name: name.value, parentId: organization.id } });
              forgetOrganizations();
              announce(`Created ${created.name}.`);
              navigate(`#/organizations/${created.id}`);
            } catch (error) {
              showError(errors, error, 'Could not create the organization: ');
            }
          });
        },
      },
      field(`Name of the new organization below ${organization.name}`, name),
      submit,
    ),
    errors,
  );
}

function disableSection(organization: Organization): HTMLElement {
  const errors = h('div');
  const button = h('button', { type: 'button', class: 'danger' }, `Disable ${organization.name}`);
  button.addEventListener('click', () => {
    if (!window.confirm(`Disable ${organization.name} and every organization below it? Their API keys stop working at once.`)) return;
    void busy(button, async () => {
      try {
        await api('DELETE', `/api/v1/organizations/${organization.id}`);
        forgetOrganizations();
        announce(`${organization.name} is disabled.`);
        navigate(`#/organizations/${organization.id}`);
      } catch (error) {
        showError(errors, error, 'Could not disable: ');
      }
    });
  });
  return section(
    'disable-heading',
    'Disable',
    h('p', null, 'A disabled organization and everything below it can no longer sign in or submit orders. This cannot be undone here.'),
    h('p', { class: 'actions' }, button),
    errors,
  );
}

function apiKeysSection(organization: Organization): HTMLElement {
  const errors = h('div');
  const shown = h('div');
  const listSlot = h('div', null, h('p', null, 'Loading keys…'));
  const name = h('input', { type: 'text', name: 'keyName', maxlength: 100 });
  const expires = h('input', { type: 'date', name: 'expires' });
  const submit = h('button', { type: 'submit' }, 'Create key');

  async function load(): Promise<void> {
    try {
      const keys = await all<ApiKey>(`/api/v1/organizations/${organization.id}/api-keys`);
      replace(
        listSlot,
        keys.length
          ? table(
              `API keys of ${organization.name}`,
              ['Name', 'Starts with', 'Created', 'Last used', 'Expires', 'State', ''],
              keys.map((key) => [
                key.name || '(no name)',
                h('span', { class: 'mono' }, `${key.prefix}…`),
                time(key.createdAt),
                time(key.lastUsedAt, 'never'),
                time(key.expiresAt, 'never'),
                key.revokedAt ? ['Revoked ', time(key.revokedAt)] : key.expiresAt && new Date(key.expiresAt) < new Date() ? 'Expired' : 'Active',
                key.revokedAt ? '' : revokeButton(key),
              ]),
            )
          : h('p', null, 'No keys.'),
      );
    } catch (error) {
      replace(listSlot);
      showError(errors, error, 'Could not load the keys: ');
    }
  }

  function revokeButton(key: ApiKey): HTMLButtonElement {
    const button = h('button', { type: 'button', class: 'danger small', 'data-focus': `revoke-${key.id}`, 'aria-label': `Revoke ${key.name || key.prefix}` }, 'Revoke');
    button.addEventListener('click', () => {
      if (!window.confirm(`Revoke the key ${key.name || key.prefix}? It stops working at once.`)) return;
      void busy(button, async () => {
        try {
          await api('DELETE', `/api/v1/organizations/${organization.id}/api-keys/${key.id}`);
          showError(errors, null);
          announce('The key is revoked.');
          await load();
        } catch (error) {
          showError(errors, error, 'Could not revoke: ');
        }
      });
    });
    return button;
  }

  void load();
  return section(
    'keys-heading',
    'API keys',
    h(
      'form',
      {
        class: 'inline-form',
        onSubmit: (event: Event) => {
          event.preventDefault();
          void busy(submit, async () => {
            try {
              const body: Record<string, string> = {};
              if (name.value.trim()) body.name = name.value.trim();
              if (expires.value) body.expiresAt = new Date(`${expires.value}T00:00:00`).toISOString();
              const created = await api<CreatedApiKey>('POST', `/api/v1/organizations/${organization.id}/api-keys`, { body });
              showError(errors, null);
              name.value = '';
              expires.value = '';
              replace(
                shown,
                h(
                  'div',
                  { class: 'once', role: 'status' },
                  h('p', null, h('strong', null, `The new key ${created.name ? `“${created.name}” ` : ''}is shown only now.`), ' Copy it and keep it safe: the service cannot show it again.'),
                  copyField('New API key', created.key, 'copy-key'),
                  h('button', { type: 'button', class: 'secondary small', onClick: () => replace(shown) }, 'I have stored it — hide'),
                ),
              );
              shown.querySelector<HTMLInputElement>('input')?.focus();
              await load();
            } catch (error) {
              showError(errors, error, 'Could not create the key: ');
            }
          });
        },
      },
      field('Name (optional)', name),
      field('Expires on (optional)', expires),
      submit,
    ),
    errors,
    shown,
    listSlot,
  );
}

function credentialsSection(organization: Organization): HTMLElement {
  const errors = h('div');
  const listSlot = h('div', null, h('p', null, 'Loading credentials…'));
  const key = h('input', { type: 'text', name: 'credentialKey', required: true, maxlength: 64, autocomplete: 'off', spellcheck: 'false', class: 'mono' });
  const value = h('input', { type: 'password', name: 'credentialValue', required: true, autocomplete: 'new-password', spellcheck: 'false' });
  const inherit = h('input', { type: 'checkbox', name: 'credentialInherit' });
  const submit = h('button', { type: 'submit' }, 'Save credential');

  async function load(): Promise<void> {
    try {
      const { data } = await api<{ data: Credential[] }>('GET', `/api/v1/organizations/${organization.id}/credentials`);
      replace(
        listSlot,
        data.length
          ? table(
              `Credentials of ${organization.name}`,
              ['Key', 'Shared with descendants', 'Set', 'Last changed', ''],
              data.map((credential) => [
                h('span', { class: 'mono' }, credential.key),
                shareButton(credential),
                time(credential.createdAt),
                time(credential.updatedAt),
                deleteButton(credential),
              ]),
            )
          : h('p', null, 'No credentials of its own (complete groups a parent organization shares apply).'),
      );
    } catch (error) {
      replace(listSlot);
      showError(errors, error, 'Could not load the credentials: ');
    }
  }

  /** Shares the key with descendants' orders, or stops, without the value (docs/credentials.md). */
  function shareButton(credential: Credential): HTMLButtonElement {
    const label = credential.inherit ? 'Yes — stop sharing' : 'No — share';
    const button = h('button', { type: 'button', class: 'small', 'aria-label': `${credential.inherit ? 'Stop sharing' : 'Share'} ${credential.key}` }, label);
    button.addEventListener('click', () => {
      void busy(button, async () => {
        try {
          await api('PATCH', `/api/v1/organizations/${organization.id}/credentials/${encodeURIComponent(credential.key)}`, { body: { inherit: !credential.inherit } });
          showError(errors, null);
          announce(`${credential.key} is ${credential.inherit ? 'no longer shared' : 'shared'}.`);
          await load();
        } catch (error) {
          showError(errors, error, 'Could not change the credential: ');
        }
      });
    });
    return button;
  }

  function deleteButton(credential: Credential): HTMLButtonElement {
    const button = h('button', { type: 'button', class: 'danger small', 'data-focus': `delete-${credential.key}`, 'aria-label': `Delete ${credential.key}` }, 'Delete');
    button.addEventListener('click', () => {
      if (!window.confirm(`Delete the credential ${credential.key}? Once none of its group is left here, a group a parent organization shares applies again.`)) return;
      void busy(button, async () => {
        try {
          await api('DELETE', `/api/v1/organizations/${organization.id}/credentials/${encodeURIComponent(credential.key)}`);
          showError(errors, null);
          announce(`Deleted ${credential.key}.`);
          await load();
        } catch (error) {
          showError(errors, error, 'Could not delete: ');
        }
      });
    });
    return button;
  }

  void load();
  return section(
    'credentials-heading',
    'Credentials',
    h(
      'p',
      { class: 'hint' },
      'Keys for the number provider, redirection and SIP trunk services. Values are stored encrypted and are never shown, not even here. ' +
        "Each service's keys are used together, from one organization; descendants' orders use a group only when every key of it is shared.",
    ),
    h(
      'form',
      {
        class: 'inline-form',
        onSubmit: (event: Event) => {
          event.preventDefault();
          void busy(submit, async () => {
            try {
              const name = key.value.trim();
              await api('PUT', `/api/v1/organizations/${organization.id}/credentials/${encodeURIComponent(name)}`, {
                // Unticked: a new key is not shared and a replaced one keeps its flag (the list's button changes it).
                body: { value: value.value, ...(inherit.checked ? { inherit: true } : {}) },
              });
              showError(errors, null);
              value.value = '';
              key.value = '';
              inherit.checked = false;
              announce(`Saved ${name}.`);
              await load();
            } catch (error) {
              showError(errors, error, 'Could not save the credential: ');
            }
          });
        },
      },
      field('Key', key, 'For example numbers.apiKey'),
      field('Value', value),
      field('Share with descendants', inherit),
      submit,
    ),
    errors,
    listSlot,
  );
}

function secretSection(organization: Organization): HTMLElement {
  const errors = h('div');
  const shown = h('div');
  const show = h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false' }, 'Show the secret');
  const rotate = h('button', { type: 'button', class: 'danger' }, 'Rotate the secret');

  function draw(secret: WebhookSecret | null): void {
    show.textContent = secret ? 'Hide the secret' : 'Show the secret';
    show.setAttribute('aria-expanded', String(secret !== null));
    replace(
      shown,
      secret
        ? h(
            'div',
            { class: 'once' },
            copyField('Webhook signing secret', secret.secret, 'copy-secret'),
            h(
              'p',
              { class: 'hint' },
              'Created ',
              time(secret.createdAt),
              secret.rotatedAt ? ['; rotated ', time(secret.rotatedAt)] : null,
              secret.previousExpiresAt ? ['; the previous secret still signs until ', time(secret.previousExpiresAt)] : null,
              '.',
            ),
          )
        : null,
    );
  }

  show.addEventListener('click', () => {
    if (shown.childElementCount) {
      draw(null);
      return;
    }
    void busy(show, async () => {
      try {
        draw(await api<WebhookSecret>('GET', `/api/v1/organizations/${organization.id}/webhook-secret`));
        showError(errors, null);
      } catch (error) {
        showError(errors, error, 'Could not load the secret: ');
      }
    });
  });
  rotate.addEventListener('click', () => {
    if (!window.confirm('Rotate the webhook signing secret? For 24 hours messages are signed with both the new and the old secret.')) return;
    void busy(rotate, async () => {
      try {
        draw(await api<WebhookSecret>('POST', `/api/v1/organizations/${organization.id}/webhook-secret/rotate`));
        showError(errors, null);
        announce('The secret is rotated; the new one is shown.');
      } catch (error) {
        showError(errors, error, 'Could not rotate: ');
      }
    });
  });
  return section(
    'secret-heading',
    'Webhook signing secret',
    h('p', { class: 'hint' }, 'Your webhook receiver verifies messages with this secret (Standard Webhooks).'),
    h('p', { class: 'actions' }, show, rotate),
    errors,
    shown,
  );
}
