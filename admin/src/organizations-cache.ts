import { all, type Organization } from './api.js';

/** The caller's subtree, loaded once per sign-in and again after a change (names in lists, tree, filters). */
let cached: Promise<Organization[]> | null = null;

export function organizations(): Promise<Organization[]> {
  cached ??= all<Organization>('/api/v1/organizations').catch((error: unknown) => {
    cached = null;
    throw error;
  });
  return cached;
}

export function forgetOrganizations(): void {
  cached = null;
}

export interface TreeNode {
  organization: Organization;
  depth: number;
  children: TreeNode[];
}

/** The tree below `rootId`, children by name; organizations whose parent is not in the list hang at the top. */
export function buildTree(list: Organization[], rootId: number): TreeNode[] {
  const byParent = new Map<number | null, Organization[]>();
  const ids = new Set(list.map((o) => o.id));
  for (const organization of list) {
    const parent = organization.id === rootId || organization.parentId === null || !ids.has(organization.parentId) ? null : organization.parentId;
    const siblings = byParent.get(parent) ?? [];
    siblings.push(organization);
    byParent.set(parent, siblings);
  }
  const build = (parent: number | null, depth: number): TreeNode[] =>
    (byParent.get(parent) ?? [])
      .sort((a, b) => (a.id === rootId ? -1 : b.id === rootId ? 1 : a.name.localeCompare(b.name)))
      .map((organization) => ({ organization, depth, children: build(organization.id, depth + 1) }));
  return build(null, 0);
}

/** Depth-first, for indented option lists. */
export function flatten(nodes: TreeNode[]): TreeNode[] {
  return nodes.flatMap((node) => [node, ...flatten(node.children)]);
}
