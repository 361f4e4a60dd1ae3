import { api, ORDER_STATUSES, type Order, type Organization, type Page } from '../api.js';
import { field, h, replace } from '../dom.js';
import type { ViewContext } from '../main.js';
import { buildTree, flatten, organizations } from '../organizations-cache.js';
import { navigate } from '../router.js';
import { pageHeading, showError, statusBadge, statusWord, table, time } from '../ui.js';

const PAGE_SIZE = 50;

/** Dates typed as YYYY-MM-DD mean the start of that day in the user's time zone. */
function dayToIso(day: string | null): string | undefined {
  if (!day || !/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  const date = new Date(`${day}T00:00:00`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function nextDayIso(day: string | null): string | undefined {
  const start = dayToIso(day);
  if (!start) return undefined;
  const date = new Date(start);
  date.setDate(date.getDate() + 1);
  return date.toISOString();
}

/** The subtree's orders, newest first, filtered by status, organization and creation day; "go to order". */
export function ordersView(context: ViewContext, query: URLSearchParams): void {
  const { main } = context;
  const status = query.get('status') ?? '';
  const organizationId = query.get('organizationId') ?? '';
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';

  // Go to an order by its id (the id the provisioning guide tells resellers to use here).
  const goId = h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off', name: 'orderId', size: 10 });
  const goErrors = h('div');
  const goForm = h(
    'form',
    {
      class: 'inline-form',
      'aria-label': 'Go to an order',
      onSubmit: (event: Event) => {
        event.preventDefault();
        const value = goId.value.trim().replace(/^#/, '');
        if (!/^[1-9]\d{0,9}$/.test(value)) {
          showError(goErrors, new Error('An order id is a whole number such as 42.'), 'Cannot go there: ');
          goId.focus();
          return;
        }
        navigate(`#/orders/${value}`);
      },
    },
    field('Order id', goId),
    h('button', { type: 'submit' }, 'Go to order'),
  );

  const statusSelect = h(
    'select',
    { name: 'status' },
    h('option', { value: '' }, 'Any status'),
    ORDER_STATUSES.map((s) => h('option', { value: s, selected: s === status }, statusWord(s))),
  );
  const orgSelect = h('select', { name: 'organizationId' }, h('option', { value: '' }, 'Any organization'));
  const fromInput = h('input', { type: 'date', name: 'from', value: from });
  const toInput = h('input', { type: 'date', name: 'to', value: to });
  const filterForm = h(
    'form',
    {
      class: 'filters',
      'aria-label': 'Filter orders',
      onSubmit: (event: Event) => {
        event.preventDefault();
        const next = new URLSearchParams();
        if (statusSelect.value) next.set('status', statusSelect.value);
        if (orgSelect.value) next.set('organizationId', orgSelect.value);
        if (fromInput.value) next.set('from', fromInput.value);
        if (toInput.value) next.set('to', toInput.value);
        const search = next.toString();
        navigate(`#/orders${search ? `?${search}` : ''}`);
      },
    },
    field('Status', statusSelect),
    field('Organization', orgSelect),
    field('Created on or after', fromInput),
    field('Created on or before', toInput),
    h('div', { class: 'filter-actions' }, h('button', { type: 'submit' }, 'Apply filters'), h('a', { href: '#/orders', class: 'button secondary' }, 'Clear')),
  );

  const errors = h('div');
  const results = h('div', { 'aria-busy': 'true' }, h('p', null, 'Loading orders…'));
  const more = h('div');
  const refresh = h('button', { type: 'button', class: 'secondary', onClick: () => void load(null, true) }, 'Refresh');

  main.append(
    pageHeading('Orders'),
    h('section', { class: 'card', 'aria-labelledby': 'go-heading' }, h('h2', { id: 'go-heading' }, 'Find an order'), goForm, goErrors),
    h('section', { class: 'card', 'aria-labelledby': 'filter-heading' }, h('h2', { id: 'filter-heading' }, 'Filter'), filterForm),
    h('section', { 'aria-labelledby': 'list-heading' }, h('div', { class: 'section-head' }, h('h2', { id: 'list-heading' }, 'Orders, newest first'), refresh), errors, results, more),
  );

  let names = new Map<number, string>();
  let rows: Order[] = [];
  let disposed = false;
  context.onLeave(() => (disposed = true));

  void organizations()
    .then((list: Organization[]) => {
      names = new Map(list.map((o) => [o.id, o.name]));
      for (const node of flatten(buildTree(list, context.me!.id))) {
        const label = `${'\u2003'.repeat(node.depth)}${node.organization.name}${node.organization.disabled ? ' (disabled)' : ''}`;
        orgSelect.append(h('option', { value: node.organization.id, selected: String(node.organization.id) === organizationId }, label));
      }
      if (rows.length) draw(null);
    })
    .catch((error: unknown) => showError(errors, error, 'Could not load the organizations: '));

  function draw(nextCursor: string | null): void {
    results.setAttribute('aria-busy', 'false');
    if (!rows.length) {
      replace(results, h('p', { class: 'empty' }, status || organizationId || from || to ? 'No orders match these filters.' : 'No orders yet.'));
    } else {
      replace(
        results,
        table(
          `Orders (${rows.length}${nextCursor ? '+' : ''})`,
          ['Order', 'Status', 'Organization', 'Tenant', 'Progress', 'Created', 'Finished'],
          rows.map((order) => [
            h('a', { href: `#/orders/${order.id}` }, `Order ${order.id}`),
            statusBadge(order.status),
            names.get(order.organizationId) ?? `#${order.organizationId}`,
            order.tenant.name,
            `${order.progress.done} of ${order.progress.total}`,
            time(order.createdAt),
            time(order.finishedAt),
          ]),
          { captionHidden: true },
        ),
      );
    }
    replace(
      more,
      nextCursor
        ? h('p', { class: 'actions' }, h('button', { type: 'button', 'data-focus': 'more', onClick: () => void load(nextCursor, false) }, 'Load more orders'))
        : null,
    );
  }

  async function load(cursor: string | null, reset: boolean): Promise<void> {
    results.setAttribute('aria-busy', 'true');
    try {
      const page = await api<Page<Order>>('GET', '/api/v1/orders', {
        query: {
          limit: PAGE_SIZE,
          cursor,
          status: status || undefined,
          organizationId: organizationId || undefined,
          createdAfter: dayToIso(from),
          createdBefore: nextDayIso(to),
        },
      });
      if (disposed) return;
      showError(errors, null);
      rows = reset ? page.data : [...rows, ...page.data];
      draw(page.nextCursor);
    } catch (error) {
      if (disposed) return;
      results.setAttribute('aria-busy', 'false');
      if (reset) replace(results);
      showError(errors, error, 'Could not load the orders: ');
    }
  }

  void load(null, true);
}
