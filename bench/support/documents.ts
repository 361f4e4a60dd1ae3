import { readFileSync } from 'node:fs';

/** company-200's first 100 users without phones, and the departments made only of them (the "100-user order"). */
export function order100(): Record<string, unknown> {
  const company = JSON.parse(readFileSync('examples/company-200.json', 'utf8')) as { users: { email: string }[]; departments: { users: string[] }[] };
  const users = company.users.slice(0, 100).map(({ phones: _phones, ...user }: { email: string; phones?: unknown }) => user);
  const kept = new Set(users.map((user) => user.email));
  const departments = company.departments.filter((department) => department.users.every((email) => kept.has(email)));
  return { ...company, users, departments };
}
