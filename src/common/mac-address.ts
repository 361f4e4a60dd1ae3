/**
 * MAC addresses, one definition for the whole service: the configuration, the Xelion client (upper case
 * with `:`, docs/xelion-contract.md) and the redirection server (12 hex digits).
 */

/** The 12 upper-case hex digits of `80-5e-c0-12-34-56`, `80:5E:C0:12:34:56` or `805ec0123456`; null when it is no MAC address. */
export function macDigits(value: string): string | null {
  const digits = value.replace(/[:\-.\s]/g, '').toUpperCase();
  return /^[0-9A-F]{12}$/.test(digits) ? digits : null;
}

/** `80-5e-c0-12-34-56` → `80:5E:C0:12:34:56`; null when it is no MAC address. */
export function canonicalMac(value: string): string | null {
  return macDigits(value)?.match(/../g)!.join(':') ?? null;
}
