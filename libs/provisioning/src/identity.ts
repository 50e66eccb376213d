/**
 * GET /internal/whoami (DOMAIN.md §7): the DC an internal key belongs to. `dcId` null and `shared`
 * true for the API's own INTERNAL_API_KEY, which reaches every DC.
 */
export interface InternalKeyIdentity {
  dcId: string | null;
  shared: boolean;
}
