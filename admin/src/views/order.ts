import { api, ApiError, type Order, type OrderError, type OrderResult, type OrderStep, type WebhookMessage } from '../api.js';
import { busy, field, h, replace, type Child } from '../dom.js';
import type { ViewContext } from '../main.js';
import { organizations } from '../organizations-cache.js';
import { announce, duration, errorBox, pageHeading, showError, statusBadge, statusWord, table, time } from '../ui.js';

/** "Update live while the order runs": the order and its steps are polled every second while it runs. */
const POLL_MS = 1000;
const ACTIVE = new Set(['NOT_STARTED', 'IN_PROGRESS']);

/** What an error code means for the person looking at it, and what to do. */
const ERROR_HINTS: Record<string, string> = {
  CANCELLED: 'The order was cancelled before it started. Retry it with the tenant token to run it after all.',
  TENANT_TOKEN_REJECTED: 'Xelion refused the tenant token (expired or wrong). Retry with a fresh token.',
  TENANT_TOKEN_UNREADABLE: 'The stored tenant token could not be decrypted. Retry with the token.',
  XELION_ERROR: 'Xelion refused a change. Correct the configuration or the tenant, then retry: finished steps are not repeated.',
  XELION_UNAVAILABLE: 'Xelion did not answer in time, after several attempts. Retry when the tenant is reachable again.',
  MISSING_CREDENTIAL: 'A credential the order needs is not set for this organization or its parents. Set it under Organizations → Credentials, then retry.',
  NUMBER_PROVIDER_ERROR: 'The number provider refused or failed to allocate a number. Retry later, or check the credentials.',
  REDIRECTION_ERROR: 'The redirection service refused or failed. Retry later, or check the credentials.',
  UNSAFE_URL: 'An address the order had to call is not allowed (private or malformed). Correct it and submit a new order.',
  INTERNAL_ERROR: 'The service failed unexpectedly. Retry; if it fails again, contact support with the order id.',
};

const STEP_WORDS: Record<OrderStep['status'], string> = { PENDING: 'Waiting', RUNNING: 'Running', DONE: 'Done', FAILED: 'Failed' };

function describeError(error: OrderError): Child[] {
  return [
    h('p', null, h('strong', null, error.message)),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Code'),
      h('dd', null, h('code', null, error.code)),
      error.step ? [h('dt', null, 'Step'), h('dd', null, error.step)] : null,
      error.xelionErrorCode !== undefined ? [h('dt', null, 'Xelion error code'), h('dd', null, String(error.xelionErrorCode))] : null,
    ),
    ERROR_HINTS[error.code] ? h('p', { class: 'hint' }, ERROR_HINTS[error.code]) : null,
  ];
}

function resultView(result: OrderResult): Child[] {
  const kinds = [...new Set([...Object.keys(result.created ?? {}), ...Object.keys(result.updated ?? {}), ...Object.keys(result.found ?? {})])].sort();
  return [
    kinds.length
      ? table(
          'Objects on the tenant',
          ['Kind', 'Created', 'Updated', 'Already as configured'],
          kinds.map((kind) => [kind, String(result.created?.[kind] ?? 0), String(result.updated?.[kind] ?? 0), String(result.found?.[kind] ?? 0)]),
        )
      : h('p', null, 'Nothing needed to change on the tenant.'),
    result.numbersAllocated?.length
      ? table(
          'Numbers allocated',
          ['Label', 'Number', 'For'],
          result.numbersAllocated.map((n) => [n.label, h('span', { class: 'mono' }, n.number), n.owner]),
        )
      : h('p', null, 'No new numbers were allocated.'),
    h('h3', null, 'Warnings'),
    result.warnings?.length ? h('ul', { class: 'warnings' }, result.warnings.map((w) => h('li', null, w))) : h('p', null, 'None.'),
  ];
}

/** One order: status, live progress and step timeline, error, result, webhook messages, retry and cancel. */
export function orderView(context: ViewContext, id: number): void {
  const { main } = context;
  const heading = pageHeading(`Order ${id}`);
  const badgeSlot = h('span', { class: 'heading-badge' });
  heading.append(' ', badgeSlot);
  const errors = h('div');
  const summary = h('div');
  const progressSlot = h('div');
  const actions = h('div');
  const errorSection = h('section', { class: 'card failure', 'aria-labelledby': 'error-heading', hidden: true });
  const resultSection = h('section', { class: 'card', 'aria-labelledby': 'result-heading', hidden: true });
  const stepsList = h('ol', { class: 'timeline' });
  const stepsNote = h('p', { class: 'hint' });
  const webhooksSlot = h('div');
  const liveNote = h('p', { class: 'hint live-note', role: 'status' });

  main.append(
    heading,
    h('p', null, h('a', { href: '#/orders' }, '← All orders')),
    errors,
    summary,
    progressSlot,
    liveNote,
    errorSection,
    actions,
    resultSection,
    h('section', { class: 'card', 'aria-labelledby': 'steps-heading' }, h('h2', { id: 'steps-heading' }, 'Steps'), stepsNote, stepsList),
    h('section', { class: 'card', 'aria-labelledby': 'webhooks-heading' }, h('h2', { id: 'webhooks-heading' }, 'Webhook messages'), webhooksSlot),
  );

  let disposed = false;
  let timer: number | undefined;
  let lastStatus: string | null = null;
  let lastOrderJson = '';
  let lastWebhooksJson = '';
  const stepItems = new Map<number, { json: string; item: HTMLLIElement }>();
  let failures = 0;
  context.onLeave(() => {
    disposed = true;
    window.clearTimeout(timer);
  });

  // Names only: the order page works without them (the id is shown instead).
  let names = new Map<number, string>();
  void organizations()
    .then((list) => {
      names = new Map(list.map((o) => [o.id, o.name]));
      if (currentOrder) drawSummary(currentOrder);
    })
    .catch(() => undefined);

  let currentOrder: Order | null = null;

  function drawSummary(order: Order): void {
    const orgName = names.get(order.organizationId);
    replace(
      summary,
      h(
        'dl',
        { class: 'facts card' },
        h('dt', null, 'Organization'),
        h('dd', null, orgName ? `${orgName} (#${order.organizationId})` : `#${order.organizationId}`),
        h('dt', null, 'Tenant'),
        h('dd', null, order.tenant.name, ' on ', h('span', { class: 'mono' }, order.tenant.serverUrl)),
        h('dt', null, 'Callback URL'),
        h('dd', null, order.callbackUrl ? h('span', { class: 'mono' }, order.callbackUrl) : 'none'),
        h('dt', null, 'Plan applied'),
        h('dd', null, order.planHash ? h('span', { class: 'mono' }, order.planHash) : 'none (sent without If-Match)'),
        h('dt', null, 'Created'),
        h('dd', null, time(order.createdAt)),
        h('dt', null, 'Started'),
        h('dd', null, time(order.startedAt, 'not yet')),
        h('dt', null, 'Finished'),
        h('dd', null, time(order.finishedAt, 'not yet'), order.finishedAt && order.startedAt ? ` (took ${duration(order.startedAt, order.finishedAt)})` : ''),
      ),
    );
  }

  function drawOrder(order: Order): void {
    currentOrder = order;
    replace(badgeSlot, statusBadge(order.status));
    drawSummary(order);
    const { done, total } = order.progress;
    const label = total ? `${done} of ${total} steps done` : 'No steps yet';
    replace(
      progressSlot,
      h(
        'div',
        { class: 'progress card' },
        h('label', { for: 'order-progress' }, 'Progress: ', h('span', { class: 'progress-text' }, label)),
        h('progress', { id: 'order-progress', max: Math.max(total, 1), value: total ? done : 0 }, label),
        order.currentStep && ACTIVE.has(order.status) ? h('p', { class: 'hint' }, 'Now: ', order.currentStep) : null,
      ),
    );

    if (lastStatus !== null && lastStatus !== order.status) announce(`Order ${order.id} is now ${statusWord(order.status)}.`);
    lastStatus = order.status;
    liveNote.textContent = ACTIVE.has(order.status) ? 'This page updates by itself while the order runs.' : '';

    drawActions(order);

    errorSection.hidden = !order.error;
    if (order.error) replace(errorSection, h('h2', { id: 'error-heading' }, 'What went wrong'), describeError(order.error));
    resultSection.hidden = !order.result;
    if (order.result) replace(resultSection, h('h2', { id: 'result-heading' }, 'Result'), resultView(order.result));
  }

  function drawActions(order: Order): void {
    const actionErrors = h('div');
    const controls: Child[] = [];
    if (order.status === 'NOT_STARTED') {
      const cancel = h('button', { type: 'button', class: 'danger', 'data-focus': 'cancel' }, 'Cancel order');
      cancel.addEventListener('click', () => {
        if (!window.confirm(`Cancel order ${order.id}? It will not run.`)) return;
        void busy(cancel, async () => {
          try {
            drawOrder(await api<Order>('POST', `/api/v1/orders/${order.id}/cancel`));
            announce(`Order ${order.id} was cancelled.`);
            schedule(0);
          } catch (error) {
            showError(actionErrors, error, 'Could not cancel: ');
          }
        });
      });
      controls.push(cancel);
    }
    if (order.status === 'FAILED') {
      const token = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', class: 'mono', 'data-focus': 'retry-token' });
      const retry = h('button', { type: 'submit', 'data-focus': 'retry' }, 'Retry order');
      controls.push(
        h(
          'form',
          {
            class: 'inline-form',
            'aria-label': 'Retry the order',
            onSubmit: (event: Event) => {
              event.preventDefault();
              void busy(retry, async () => {
                try {
                  const headers: Record<string, string> = token.value.trim() ? { 'Xelion-Tenant-Token': token.value.trim() } : {};
                  drawOrder(await api<Order>('POST', `/api/v1/orders/${order.id}/retry`, { headers }));
                  announce(`Order ${order.id} will run again.`);
                  schedule(0);
                } catch (error) {
                  showError(actionErrors, error, 'Could not retry: ');
                }
              });
            },
          },
          field('New tenant token (needed when the old one was refused or erased)', token),
          retry,
        ),
      );
    }
    // Keep what the user is typing: redraw the buttons only when the status changes.
    const key = order.status;
    if (actions.dataset.status === key) return;
    actions.dataset.status = key;
    replace(actions, controls.length ? h('div', { class: 'card actions-card' }, controls, actionErrors) : null);
  }

  function drawSteps(steps: OrderStep[]): void {
    stepsNote.textContent = steps.length ? '' : 'The steps are planned when the order starts.';
    const seen = new Set<number>();
    let previous: HTMLLIElement | null = null;
    for (const step of steps) {
      seen.add(step.seq);
      const json = JSON.stringify(step);
      let entry = stepItems.get(step.seq);
      if (!entry || entry.json !== json) {
        const item = h(
          'li',
          { class: `step step-${step.status.toLowerCase()}` },
          h('span', { class: 'step-status' }, STEP_WORDS[step.status] ?? step.status),
          h('span', { class: 'step-name' }, step.name),
          h(
            'span',
            { class: 'step-meta' },
            step.attempts > 1 ? `${step.attempts} attempts` : null,
            step.attempts > 1 && step.finishedAt ? ' · ' : null,
            step.finishedAt ? duration(step.startedAt, step.finishedAt) : null,
          ),
          step.error ? h('p', { class: 'step-error' }, h('code', null, step.error.code), ' ', step.error.message) : null,
        );
        if (entry) entry.item.replaceWith(item);
        entry = { json, item };
        stepItems.set(step.seq, entry);
      }
      if (entry.item.parentNode !== stepsList || entry.item.previousSibling !== previous) {
        if (previous) previous.after(entry.item);
        else stepsList.prepend(entry.item);
      }
      previous = entry.item;
    }
    for (const [seq, entry] of stepItems) {
      if (!seen.has(seq)) {
        entry.item.remove();
        stepItems.delete(seq);
      }
    }
  }

  function drawWebhooks(messages: WebhookMessage[]): void {
    const json = JSON.stringify(messages);
    if (json === lastWebhooksJson) return;
    lastWebhooksJson = json;
    if (!messages.length) {
      replace(
        webhooksSlot,
        h('p', null, currentOrder?.callbackUrl ? 'No messages yet: one is sent at every status change.' : 'This order has no callback URL, so no messages are sent.'),
      );
      return;
    }
    replace(
      webhooksSlot,
      messages.map((message) => {
        const slot = h('div');
        const redeliver = h('button', { type: 'button', class: 'secondary', 'data-focus': `redeliver-${message.mid}` }, `Redeliver message ${message.mid}`);
        redeliver.addEventListener('click', () => {
          void busy(redeliver, async () => {
            try {
              await api('POST', `/api/v1/orders/${id}/webhooks/${message.mid}/redeliver`);
              announce(`Message ${message.mid} will be sent again now.`);
              schedule(300);
            } catch (error) {
              showError(slot, error, 'Could not redeliver: ');
            }
          });
        });
        const body = message.body as { data?: { status?: string } } | null;
        const state =
          message.status === 'delivered'
            ? ['Delivered ', time(message.deliveredAt)]
            : message.status === 'failed'
              ? [`Failed${message.failureReason ? ` (${message.failureReason === 'gone' ? 'the receiver answered 410 Gone' : 'every attempt failed'})` : ''}`]
              : ['Pending', message.nextAttemptAt ? [', next attempt ', time(message.nextAttemptAt)] : null];
        return h(
          'article',
          { class: `webhook webhook-${message.status}`, 'aria-labelledby': `webhook-${message.mid}` },
          h(
            'h3',
            { id: `webhook-${message.mid}` },
            `Message ${message.mid}: ${message.type}`,
            body?.data?.status ? ` → ${statusWord(body.data.status)}` : '',
          ),
          h('p', null, h('span', { class: `badge badge-webhook-${message.status}` }, message.status), ' ', state),
          h('p', { class: 'hint' }, 'To ', h('span', { class: 'mono' }, message.callbackUrl)),
          message.attempts.length
            ? table(
                `Attempts of message ${message.mid}`,
                ['#', 'When', 'HTTP status', 'Took', 'Error'],
                message.attempts.map((attempt, index) => [
                  String(index + 1),
                  time(attempt.attemptedAt),
                  attempt.httpStatus === null ? 'no answer' : String(attempt.httpStatus),
                  `${attempt.durationMs} ms`,
                  attempt.error ?? '',
                ]),
              )
            : h('p', null, 'Not attempted yet.'),
          h('details', null, h('summary', null, 'Body'), h('pre', { class: 'mono' }, JSON.stringify(message.body, null, 2))),
          h('p', { class: 'actions' }, redeliver),
          slot,
        );
      }),
    );
  }

  function schedule(ms: number): void {
    window.clearTimeout(timer);
    if (!disposed) timer = window.setTimeout(() => void refresh(), ms);
  }

  async function refresh(): Promise<void> {
    try {
      const [order, steps, webhooks] = await Promise.all([
        api<Order>('GET', `/api/v1/orders/${id}`),
        api<{ data: OrderStep[] }>('GET', `/api/v1/orders/${id}/steps`),
        api<{ data: WebhookMessage[] }>('GET', `/api/v1/orders/${id}/webhooks`),
      ]);
      if (disposed) return;
      failures = 0;
      showError(errors, null);
      const orderJson = JSON.stringify(order);
      if (orderJson !== lastOrderJson) {
        lastOrderJson = orderJson;
        drawOrder(order);
      }
      drawSteps(steps.data);
      drawWebhooks(webhooks.data);
      const pending = webhooks.data.some((m) => m.status === 'pending');
      if (ACTIVE.has(order.status) || pending) schedule(POLL_MS);
    } catch (error) {
      if (disposed) return;
      if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
        replace(errors, errorBox(error, `Cannot show order ${id}: `));
        return;
      }
      // A hiccup while following a running order: say so, keep trying, more slowly.
      failures += 1;
      replace(errors, errorBox(error, 'Could not refresh the order: '), h('p', { class: 'hint' }, 'Trying again…'));
      schedule(Math.min(POLL_MS * 2 ** failures, 15_000));
    }
  }

  void refresh();
}
