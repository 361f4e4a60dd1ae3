/**
 * The costliest document to validate that fits in a request (just under 1 MB): 2,000 users, each
 * wrong in every field the format checks and with unknown properties, so that a validator that
 * computed every error would report over 50,000 (docs/security.md, "Validation cost"). For the
 * validation-cost benchmark and its tests.
 */
export function worstCaseConfiguration(users = 2_000): Record<string, unknown> {
  return {
    version: 1,
    organization: { name: 'Worst case', email: 'not an e-mail', country: 'XX', centralPhoneNumber: { new: false, value: 'none' } },
    users: Array.from({ length: users }, (_, i) => ({
      email: `bad${i}`,
      firstName: 7,
      lastName: false,
      internalNumber: 'x',
      role: 'king',
      language: 'xx',
      voicemail: 'yes',
      externalNumber: { new: 'no', value: 5 },
      mobileNumber: 'mobile',
      phones: [{ macAddress: 'zz', model: 1 }],
      a: 1,
      b: 1,
      c: 1,
      d: 1,
      e: 1,
      f: 1,
      g: 1,
      h: 1,
      k: 1,
      l: 1,
      m: 1,
      n: 1,
      o: 1,
      p: 1,
    })),
  };
}
