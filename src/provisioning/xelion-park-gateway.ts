import { Injectable, Logger } from '@nestjs/common';
import { withContext, type LogContext } from '../common/logging/request-context.js';
import { XelionClientFactory } from '../xelion/xelion-client.factory.js';
import { isAvailable, type ParkTenant, type XelionMasterClient } from '../xelion/xelion-master.client.js';
import { ParkGatewayFactory, type ParkAccess, type ParkGateway, type ParkTenantView } from './park-gateway.js';

function view(tenant: ParkTenant): ParkTenantView {
  return {
    databaseId: tenant.databaseId,
    name: tenant.name,
    displayName: tenant.commonName,
    active: tenant.active,
    available: isAvailable(tenant),
    licenseNames: tenant.licenses.map((license) => license.name),
  };
}

/** The `tenant` step's view of the master tenant, on the master client (the only code that knows its calls). */
class XelionParkGateway implements ParkGateway {
  private readonly logger = new Logger('Park');

  constructor(
    private readonly client: XelionMasterClient,
    private readonly ownSession: boolean,
    private readonly log?: LogContext,
  ) {}

  async tenants() {
    return (await this.client.listTenants()).map(view);
  }
  async prepare(databaseId: string, changes: { name: string; licenses: Record<string, number> }) {
    // Read again just before the change: the licence counts' ids and the current values come from the tenant itself.
    return this.client.prepareTenant(await this.client.getTenant(databaseId), changes);
  }
  async start(databaseId: string) {
    return (await this.client.startTenant(databaseId)) === 'started';
  }
  async openTenantSession(databaseId: string, userSpace: string) {
    return (await this.client.loginToTenant(databaseId, userSpace)).token;
  }
  async close() {
    if (!this.ownSession) return;
    try {
      await this.client.logout();
    } catch (error) {
      // The step's work is done; a session that could not be ended runs out on its own.
      this.logger.warn(withContext(`logging out of the master tenant failed: ${(error as Error).message}`, this.log));
    }
  }
}

@Injectable()
export class XelionParkGatewayFactory extends ParkGatewayFactory {
  constructor(private readonly clients: XelionClientFactory) {
    super();
  }

  withToken(access: ParkAccess, token: string): ParkGateway {
    return new XelionParkGateway(this.clients.forMaster({ serverUrl: access.serverUrl, token, mayCall: access.mayCall, run: access.run }), false, access.run?.log);
  }

  async logIn(access: ParkAccess, credentials: { userName: string; password: string }, userSpace: string): Promise<ParkGateway> {
    const session = await this.clients.forMaster({ serverUrl: access.serverUrl, token: null, mayCall: access.mayCall, run: access.run }).login(credentials, userSpace);
    return new XelionParkGateway(this.clients.forMaster({ serverUrl: access.serverUrl, token: session.token, mayCall: access.mayCall, run: access.run }), true, access.run?.log);
  }
}
