import type { IncomingMessage } from 'node:http';
import type { Answer } from './answer.js';
import type { Faults } from './faults.js';
import { isObject } from './model.js';
import { COUNTRY_CODES, type Registration, type SimulatorOptions, type SimulatorState } from './state.js';

/** The services beside Xelion (docs/xelion-contract.md, "Services beside Xelion"): number reservations and phone redirection. */
export class ExternalServices {
  constructor(
    private readonly state: SimulatorState,
    private readonly options: SimulatorOptions,
    private readonly faults: Faults,
  ) {}

  /** `{numbers.url}/v1/numbers/reservations` and `{redirection.url}/v1/devices/{MAC}` on this server. */
  async handle(req: IncomingMessage, path: string[], body: unknown): Promise<Answer> {
    const method = req.method ?? 'GET';
    const countExternal = (route: string) => this.state.externalCalls.set(route, (this.state.externalCalls.get(route) ?? 0) + 1);
    // POST {numbers.url}/v1/numbers/reservations with numbers.url = {simulator}/numbers
    if (path[0] === 'numbers' && path.slice(1).join('/') === 'v1/numbers/reservations' && method === 'POST') {
      const route = 'POST /numbers/reservations';
      countExternal(route);
      const auth = req.headers.authorization ?? '';
      if (auth !== `Bearer ${this.options.numbersApiKey}`) return { status: 401, body: { error: 'invalid api key' } };
      return this.faults.run(route, undefined, true, route, () => this.reserve(body));
    }
    // PUT {redirection.url}/v1/devices/{MAC} with redirection.url = {simulator}/redirection
    if (path[0] === 'redirection' && path[1] === 'v1' && path[2] === 'devices' && path.length === 4 && method === 'PUT') {
      const route = 'PUT /redirection/devices/:mac';
      countExternal(route);
      const expected = `Basic ${Buffer.from(`${this.options.redirectionUsername}:${this.options.redirectionPassword}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return { status: 401, headers: { 'www-authenticate': 'Basic realm="redirection"' }, body: { error: 'invalid credentials' } };
      return this.faults.run(route, undefined, true, route, () => this.register(decodeURIComponent(path[3]), body));
    }
    return { status: 404, body: { error: `no resource ${method} /${path.join('/')}` } };
  }

  private reserve(body: unknown): Answer {
    if (!isObject(body)) return { status: 400, body: { error: 'the body must be a JSON object' } };
    const { country, area, label, reference } = body;
    if (typeof country !== 'string' || !(country.toUpperCase() in COUNTRY_CODES)) return { status: 400, body: { error: `country must be one of ${Object.keys(COUNTRY_CODES).join(', ')}` } };
    if (typeof area !== 'string' || !/^0?\d{1,5}$/.test(area)) return { status: 400, body: { error: 'area must be an area code (digits)' } };
    if (typeof reference !== 'string' || reference === '' || reference.length > 200) return { status: 400, body: { error: 'reference is required' } };
    if (label !== undefined && typeof label !== 'string') return { status: 400, body: { error: 'label must be a string' } };
    const existing = this.state.reservations.get(reference);
    if (existing) return { status: 200, body: { number: existing.number, reference } };
    const number = this.state.allocateNumber(country.toUpperCase(), area);
    this.state.reservations.set(reference, { number, reference, country: country.toUpperCase(), area, label: (label as string | undefined) ?? '', createdAt: new Date().toISOString() });
    return { status: 201, body: { number, reference } };
  }

  private register(mac: string, body: unknown): Answer {
    if (!/^[0-9A-Fa-f]{12}$/.test(mac)) return { status: 400, body: { error: 'the MAC address must be 12 hex digits without separators' } };
    if (!isObject(body) || typeof body.provisioningUrl !== 'string' || !/^https?:\/\//.test(body.provisioningUrl)) {
      return { status: 400, body: { error: 'provisioningUrl must be an http(s) URL' } };
    }
    const key = mac.toUpperCase();
    const existing = this.state.registrations.get(key);
    const registration: Registration = {
      mac: key,
      provisioningUrl: body.provisioningUrl,
      label: typeof body.label === 'string' ? body.label : '',
      updatedAt: new Date().toISOString(),
      updates: (existing?.updates ?? 0) + 1,
    };
    this.state.registrations.set(key, registration);
    return { status: existing ? 200 : 201, body: { mac: key, provisioningUrl: registration.provisioningUrl, label: registration.label } };
  }
}
