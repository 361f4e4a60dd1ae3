import { describe, expect, it } from 'vitest';
import { QueryFailedError } from 'typeorm';
import { describeUnexpected } from '../../src/common/http/all-exceptions.filter.js';

describe('describeUnexpected (what the error filter logs of a 500)', () => {
  it('logs a database error by its name and SQLSTATE, never the SQL, its parameters or the driver message', () => {
    const driverError = Object.assign(new Error('value "9999999999" is out of range for type integer'), { code: '22003' });
    const error = new QueryFailedError('SELECT * FROM orders WHERE id < $1 AND secret = $2', [9999999999, 'canary-param-7f2'], driverError);
    const logged = describeUnexpected(error);
    expect(logged).toMatch(/^QueryFailedError \(SQLSTATE 22003\); the query and its parameters are not logged/);
    expect(logged).not.toMatch(/SELECT|9999999999|canary-param-7f2|out of range/);
  });

  it('logs other errors with their message and stack frames only', () => {
    const error = Object.assign(new Error('boom'), { config: { headers: { Authorization: 'Bearer canary-header-1d4' } } });
    const logged = describeUnexpected(error);
    expect(logged).toMatch(/^Error: boom\n\s+at /);
    expect(logged).not.toContain('canary-header-1d4');
  });
});
