import type { EntityManager } from 'typeorm';
import { saveApiKey } from './api-key.service.js';
import { generateApiKey } from './api-key.token.js';
import type { Organization } from './organization.entity.js';
import { OrganizationsRepository } from './organizations.repository.js';

export interface CreatedRoot {
  organization: Organization;
  /** The key in clear: set only when it was generated here (not when the operator supplied it). */
  generatedKey: string | undefined;
}

/** Creates a top-level organization with its first API key, in one transaction. */
export async function createRootOrganization(manager: EntityManager, name: string, givenKey?: string): Promise<CreatedRoot> {
  const key = givenKey ?? generateApiKey();
  const organization = await manager.transaction(async (manager) => {
    const root = await new OrganizationsRepository(manager.connection).insert(manager, { name, parentId: null, ancestorIds: [] });
    await saveApiKey(manager, root.id, 'root', null, key);
    return root;
  });
  return { organization, generatedKey: givenKey === undefined ? key : undefined };
}

/**
 * First start: when the database holds no organization at all, create the root organization. Run
 * under the schema lock, so that instances starting together create exactly one.
 */
export async function ensureRootOrganization(
  manager: EntityManager,
  name: string,
  rootApiKey: string | undefined,
): Promise<CreatedRoot | undefined> {
  if (await new OrganizationsRepository(manager.connection).anyExists(manager)) return undefined;
  return createRootOrganization(manager, name, rootApiKey);
}
