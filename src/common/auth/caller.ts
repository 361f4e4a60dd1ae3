/** Who is calling: the organization behind the API key, resolved by the global guard. */
export interface Caller {
  organizationId: number;
  /** The caller organization's ancestors, root first. */
  ancestorIds: number[];
  apiKeyId: number;
  /** The caller's organization as read while authenticating (for `GET /organizations/me`). */
  organization: { id: number; name: string; parentId: number | null; createdAt: Date; allowedServerHosts: string[] | null };
}
