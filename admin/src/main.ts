import { api, session, UNAUTHORIZED_EVENT, type Organization } from './api.js';
import { h, replace } from './dom.js';
import { forgetOrganizations } from './organizations-cache.js';
import { navigate, parseHash, type Route } from './router.js';
import { announce, errorBox, pageHeading } from './ui.js';
import { orderView } from './views/order.js';
import { ordersView } from './views/orders.js';
import { organizationsView } from './views/organizations.js';
import { signInView } from './views/sign-in.js';
import { testView } from './views/test-configuration.js';

/** What every view gets: where to draw, who is signed in, and a way to stop its timers when left. */
export interface ViewContext {
  main: HTMLElement;
  me: Organization | null;
  /** Called when the view is left (stops polling). */
  onLeave(dispose: () => void): void;
}

const NAV: { hash: string; label: string; routes: Route['name'][] }[] = [
  { hash: '#/orders', label: 'Orders', routes: ['orders', 'order'] },
  { hash: '#/organizations', label: 'Organizations', routes: ['organizations'] },
  { hash: '#/test', label: 'Test a configuration', routes: ['test'] },
];

let me: Organization | null = null;
const leaving: (() => void)[] = [];
let notice: string | null = null;

const header = h('header', { class: 'top' });
const main = h('main', { id: 'main', tabindex: -1 });
const announcer = h('div', { id: 'announcer', class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true' });
const skip = h(
  'a',
  {
    class: 'skip',
    href: '#main',
    onClick: (event: Event) => {
      event.preventDefault();
      (main.querySelector<HTMLElement>('h1') ?? main).focus();
    },
  },
  'Skip to content',
);

function renderHeader(route: Route): void {
  const links = NAV.map((item) =>
    h('li', null, h('a', { href: item.hash, 'aria-current': item.routes.includes(route.name) ? 'page' : null }, item.label)),
  );
  const who = me
    ? h(
        'div',
        { class: 'who' },
        h('span', null, 'Signed in as ', h('strong', null, me.name)),
        h('button', { type: 'button', class: 'secondary', onClick: () => signOut('You are signed out.') }, 'Sign out'),
      )
    : h('div', { class: 'who' }, h('a', { href: '#/sign-in' }, 'Sign in'));
  replace(header, h('a', { class: 'brand', href: '#/orders' }, 'Xelion Provisioning'), h('nav', { 'aria-label': 'Main' }, h('ul', null, links)), who);
}

function signOut(message: string): void {
  session.signOut();
  me = null;
  forgetOrganizations();
  notice = message;
  navigate('#/sign-in');
}

async function whoAmI(): Promise<Organization | null> {
  if (!session.key) return null;
  if (me) return me;
  me = await api<Organization>('GET', '/api/v1/organizations/me');
  return me;
}

let generation = 0;

async function render(): Promise<void> {
  for (const dispose of leaving.splice(0)) dispose();
  const mine = ++generation;
  let route = parseHash(window.location.hash);
  try {
    await whoAmI();
  } catch (error) {
    if (mine !== generation) return;
    if (session.key) {
      // The service refused or could not check the key: say why, on the sign-in page.
      replace(
        main,
        pageHeading('Admin'),
        errorBox(error, 'Could not check your API key: '),
        h('p', { class: 'actions' },
          h('button', { type: 'button', onClick: () => void render() }, 'Try again'),
          h('button', { type: 'button', class: 'secondary', onClick: () => signOut('You are signed out.') }, 'Sign out'),
        ),
      );
      renderHeader(route);
      return;
    }
  }
  if (mine !== generation) return;
  if (!me && route.name !== 'test' && route.name !== 'sign-in') route = { name: 'sign-in' };
  if (me && route.name === 'sign-in') {
    navigate('#/orders');
    return;
  }
  renderHeader(route);
  main.replaceChildren();
  const context: ViewContext = { main, me, onLeave: (dispose) => leaving.push(dispose) };
  switch (route.name) {
    case 'sign-in':
      signInView(context, notice, (organization) => {
        me = organization;
        notice = null;
        // Back to the page asked for (a link to an order), else the orders.
        const asked = parseHash(window.location.hash).name;
        navigate(!window.location.hash || asked === 'sign-in' || asked === 'not-found' ? '#/orders' : window.location.hash);
      });
      break;
    case 'orders':
      ordersView(context, route.query);
      break;
    case 'order':
      orderView(context, route.id);
      break;
    case 'organizations':
      organizationsView(context, route.id ?? me!.id);
      break;
    case 'test':
      testView(context);
      break;
    case 'not-found':
      main.append(pageHeading('Page not found'), h('p', null, 'There is no page here. ', h('a', { href: '#/orders' }, 'Go to the orders.')));
      break;
  }
  const heading = main.querySelector<HTMLElement>('h1');
  document.title = `${heading?.textContent ?? 'Admin'} — Xelion Provisioning`;
  // Keyboard and screen reader users land on the new page's heading, not at the top of the document.
  if (!main.contains(document.activeElement) || document.activeElement === main) heading?.focus();
}

window.addEventListener(UNAUTHORIZED_EVENT, (event) => {
  const reason = (event as CustomEvent<string>).detail;
  signOut(`The service no longer accepts this API key (${reason}). Sign in again.`);
  announce('Signed out: the API key was refused.');
});
window.addEventListener('hashchange', () => void render());

const app = document.getElementById('app')!;
app.replaceChildren(skip, header, main, announcer);
void render();
