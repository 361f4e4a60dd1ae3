import { describe, expect, it } from 'vitest';
import { MissingCredentialError } from '../../src/credentials/credentials.service.js';
import { classifyError } from '../../src/provisioning/error-mapping.js';
import { planSteps, stepDependencies } from '../../src/provisioning/provisioning-plan.js';
import type { Configuration } from '../../src/configuration/configuration.types.js';
import { XelionAuthError, XelionPermanentError, XelionRetryableError } from '../../src/xelion/xelion.errors.js';
import { NumberProviderError } from '../../src/xelion/external/external-service.error.js';

const user = (email: string, extra = {}) => ({ email, lastName: 'X', role: 'user' as const, voicemail: true, phones: [], ...extra });

describe('planSteps', () => {
  it('a minimal configuration: preflight and organization only', () => {
    const plan = planSteps({ version: 1, organization: { name: 'A' }, users: [], departments: [] });
    expect(plan.map((s) => [s.seq, s.stage, s.name])).toEqual([
      [1, 0, 'preflight'],
      [2, 2, 'organization'],
    ]);
  });

  it('a park order: the tenant step first, every other step a stage later and after it', () => {
    const configuration: Configuration = { version: 1, organization: { name: 'A' }, users: [user('a@x.example')], departments: [] };
    const plan = planSteps(configuration, { park: true });
    expect(plan.map((s) => [s.seq, s.stage, s.name])).toEqual([
      [1, 0, 'tenant'],
      [2, 1, 'preflight'],
      [3, 3, 'organization'],
      [4, 4, 'user a@x.example'],
    ]);
    const dependencies = stepDependencies(plan, configuration);
    expect(dependencies.get(1)).toEqual([]);
    expect(dependencies.get(2)).toEqual([1]);
    expect(dependencies.get(4)).toEqual([2, 3]);
  });

  it('numbers before the organization, users and the closed line together, phones/fallbacks/hours after departments, trunk last', () => {
    const configuration: Configuration = {
      version: 1,
      organization: { name: 'A', centralPhoneNumber: { new: true, value: 'Main' } },
      users: [user('a@x.example', { phones: [{ macAddress: '80:5E:C0:00:00:01', model: 'T54W' }] }), user('b@x.example')],
      departments: [
        {
          name: 'Sales',
          users: ['a@x.example'],
          enableCallRecording: false,
          internalNumbers: [],
          externalNumbers: [{ new: true, value: 'Main', country: 'NL', area: '015' }],
          fallback: { type: 'voicemail' },
          openingHours: { timezone: 'Europe/Amsterdam', days: {}, holidays: [] },
        },
      ],
    };
    expect(planSteps(configuration).map((s) => `${s.stage}:${s.name}`)).toEqual([
      '0:preflight',
      '1:numbers',
      '2:organization',
      '3:user a@x.example',
      '3:user b@x.example',
      '3:closed line',
      '4:department Sales',
      '5:phones a@x.example',
      '5:fallbacks',
      '5:opening hours',
      '6:trunk',
    ]);
  });
});

describe('stepDependencies', () => {
  const configuration: Configuration = {
    version: 1,
    organization: { name: 'A', centralPhoneNumber: { new: true, value: 'Main' } },
    users: [
      user('a@x.example', { phones: [{ macAddress: '80:5E:C0:00:00:01', model: 'T54W' }], externalNumber: { new: false, value: '+31150000001' } }),
      user('b@x.example'),
      user('c@x.example', { phones: [{ macAddress: '80:5E:C0:00:00:02', model: 'T54W' }] }),
    ],
    departments: [
      {
        name: 'Sales',
        users: ['a@x.example'],
        enableCallRecording: false,
        internalNumbers: [],
        externalNumbers: [{ new: true, value: 'Main', country: 'NL', area: '015' }],
        fallback: { type: 'user', value: 'b@x.example' },
        openingHours: { timezone: 'Europe/Amsterdam', days: {}, holidays: [] },
      },
      { name: 'Support', users: ['c@x.example'], enableCallRecording: false, internalNumbers: [], externalNumbers: [], fallback: { type: 'dept', value: 'Sales' } },
    ],
  } as Configuration;
  const plan = planSteps(configuration);
  const deps = stepDependencies(plan, configuration);
  const seq = (name: string) => plan.find((step) => step.name === name)!.seq;
  const of = (name: string) => deps.get(seq(name))!.map((s) => plan.find((step) => step.seq === s)!.name);

  it('a step waits only for the steps it reads from, not for whole stages', () => {
    expect(of('preflight')).toEqual([]);
    expect(of('numbers')).toEqual(['preflight']);
    expect(of('organization')).toEqual(['preflight', 'numbers']);
    expect(of('user b@x.example')).toEqual(['preflight', 'numbers', 'organization']);
    expect(of('closed line')).toEqual(['preflight', 'numbers', 'organization']);
    // Its members only: Sales does not wait for b or c.
    expect(of('department Sales')).toEqual(['preflight', 'numbers', 'organization', 'user a@x.example']);
    // A user's phones wait for that user, not for the departments.
    expect(of('phones c@x.example')).toEqual(['preflight', 'numbers', 'organization', 'user c@x.example']);
    expect(of('fallbacks')).toEqual(['preflight', 'numbers', 'organization', 'user b@x.example', 'department Sales', 'department Support']);
    expect(of('opening hours')).toEqual(['preflight', 'numbers', 'organization', 'closed line', 'department Sales']);
    expect(of('trunk')).toEqual(['preflight', 'numbers', 'organization', 'user a@x.example', 'department Sales']);
  });

  it('every dependency is on an earlier stage, so the stages stay a valid order', () => {
    for (const step of plan) {
      for (const dependency of deps.get(step.seq)!) expect(plan.find((other) => other.seq === dependency)!.stage).toBeLessThan(step.stage);
    }
  });
});

describe('classifyError', () => {
  it('a rejected token fails the order with the documented message', () => {
    expect(classifyError(new XelionAuthError(401, 10000))).toMatchObject({ code: 'TENANT_TOKEN_REJECTED', message: 'the tenant token was rejected', retryable: false });
  });
  it("a permanent Xelion error keeps Xelion's errorCode and message", () => {
    expect(classifyError(new XelionPermanentError('objectType is invalid', 400, 10203))).toMatchObject({
      code: 'XELION_ERROR',
      xelionErrorCode: 10203,
      retryable: false,
      message: expect.stringContaining('objectType is invalid'),
    });
  });
  it('429/5xx after the client retried: retryable', () => {
    expect(classifyError(new XelionRetryableError('HTTP 503', 503, undefined, undefined, false))).toMatchObject({ code: 'XELION_UNAVAILABLE', retryable: true });
  });
  it('a missing credential names the key', () => {
    expect(classifyError(new MissingCredentialError(7, 'numbers.apiKey'))).toEqual({
      code: 'MISSING_CREDENTIAL',
      message: 'credential "numbers.apiKey" is not set for organization 7',
      retryable: false,
    });
  });
  it('a failing number provider is its own cause', () => {
    expect(classifyError(new NumberProviderError('the number provider: HTTP 422', false, 422))).toMatchObject({ code: 'NUMBER_PROVIDER_ERROR', retryable: false });
  });
});
