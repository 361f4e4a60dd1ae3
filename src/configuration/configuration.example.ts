/**
 * A small valid configuration: the example of the provision bodies in the OpenAPI document, and the one
 * the client's README starts from. test/e2e/openapi.e2e.spec.ts proves the service accepts it.
 */
export const CONFIGURATION_EXAMPLE = {
  version: 1,
  organization: {
    name: 'Fairy Tail',
    email: 'info@fairytail.example',
    country: 'NL',
    centralPhoneNumber: { value: '+31152001000' },
  },
  users: [
    {
      email: 'natsu@fairytail.example',
      firstName: 'Natsu',
      lastName: 'Dragneel',
      role: 'admin',
      internalNumber: '201',
      externalNumber: { value: '+31152001000' },
      phones: [{ macAddress: '80:5E:C0:12:34:56', model: 'Yealink T54W' }],
    },
    { email: 'lucy@fairytail.example', firstName: 'Lucy', lastName: 'Heartfilia', internalNumber: '202' },
  ],
  departments: [
    {
      name: 'Support',
      users: ['natsu@fairytail.example', 'lucy@fairytail.example'],
      internalNumbers: ['300'],
      fallback: { type: 'voicemail' },
    },
  ],
};
