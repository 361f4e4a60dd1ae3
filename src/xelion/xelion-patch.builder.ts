/**
 * PATCH documents (docs/xelion-contract.md "PATCH documents"): `{ "operations": [ { "op", "path", "value" } ] }`. A
 * relation is added with `add /{relation}/{vid}`; `vid` is a positive number picked for this document,
 * and later operations of the same document refer to the new relation by it.
 *
 *   const patch = new XelionPatch();
 *   const vid = patch.add('users', userOid);
 *   patch.replace(`/users/${vid}/incoming`, true).replace(`/users/${vid}/outgoing`, false);
 *   await client.patchPhoneLine(lineOid, patch);
 */
export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

export interface PatchDocument {
  operations: PatchOperation[];
}

function checkPath(path: string): string {
  if (!/^(\/[^/]+)+$/.test(path)) throw new Error(`invalid PATCH path ${JSON.stringify(path)}`);
  return path;
}

export class XelionPatch {
  private readonly ops: PatchOperation[] = [];
  private lastVid = 0;

  replace(path: string, value: unknown): this {
    this.ops.push({ op: 'replace', path: checkPath(path), value });
    return this;
  }

  /** `add /{relation}/{vid}` with `value`; returns the vid for later operations of this document. */
  add(relation: string, value: unknown): number {
    const name = relation.replace(/^\/+|\/+$/g, '');
    const vid = ++this.lastVid;
    this.ops.push({ op: 'add', path: checkPath(`/${name}/${vid}`), value });
    return vid;
  }

  // ---- the relations of the contract, spelled out ----

  /** Phone line: `add /extensions/{vid}` with the number. */
  addExtension(address: string): number {
    return this.add('extensions', address);
  }

  /** Phone line: `add /users/{vid}` with the user oid, then its directions. */
  addLineUser(userOid: string, directions: { incoming: boolean; outgoing: boolean }): number {
    const vid = this.add('users', userOid);
    this.replace(`/users/${vid}/incoming`, directions.incoming).replace(`/users/${vid}/outgoing`, directions.outgoing);
    return vid;
  }

  /** Phone line: the directions of a user relation that exists already (addressed by its oid). */
  setLineUserDirections(relationOid: string, directions: { incoming?: boolean; outgoing?: boolean }): this {
    if (directions.incoming !== undefined) this.replace(`/users/${relationOid}/incoming`, directions.incoming);
    if (directions.outgoing !== undefined) this.replace(`/users/${relationOid}/outgoing`, directions.outgoing);
    return this;
  }

  /** Person: `add /employments/{vid}` with the organisation's oid. */
  addEmployment(organisationOid: string): number {
    return this.add('employments', organisationOid);
  }

  /** Phone line: `add /phones/{vid}` with the phone oid. */
  addPhone(phoneOid: string): number {
    return this.add('phones', phoneOid);
  }

  /** Trunk: `add /assignedNumbers/{vid}` with the E.164 number, then its line. */
  addAssignedNumber(number: string, lineOid: string | null): number {
    const vid = this.add('assignedNumbers', number);
    if (lineOid !== null) this.replace(`/assignedNumbers/${vid}/line`, lineRef(lineOid));
    return vid;
  }

  /** Trunk: the line of a number that is assigned already (addressed by the relation's oid). */
  setAssignedNumberLine(relationOid: string, lineOid: string): this {
    return this.replace(`/assignedNumbers/${relationOid}/line`, lineRef(lineOid));
  }

  get operations(): PatchOperation[] {
    return this.ops.map((op) => ({ ...op }));
  }

  /** Only `replace` operations: applying the document twice gives the same result, so it may be retried. */
  get isRepeatable(): boolean {
    return isRepeatable(this.ops);
  }

  build(): PatchDocument {
    return { operations: this.operations };
  }
}

export function isRepeatable(operations: readonly PatchOperation[]): boolean {
  return operations.every((op) => op.op === 'replace');
}

/** A line reference for `replace /defaultFallback`, `/assignedNumbers/{vid}/line`, `nightLine`. */
export function lineRef(oid: string): { oid: string; objectType: 'XCCPhoneLine' } {
  return { oid, objectType: 'XCCPhoneLine' };
}
