import { Initial1795944961747 } from './1795944961747-Initial.js';
import { Orders1795945268008 } from './1795945268008-Orders.js';
import { Credentials1795945352036 } from './1795945352036-Credentials.js';
import { Webhooks1795945403725 } from './1795945403725-Webhooks.js';
import { OrdersSubtreePageIndex1795949980411 } from './1795949980411-OrdersSubtreePageIndex.js';
import { CredentialInheritance1796000000000 } from './1796000000000-CredentialInheritance.js';
import { ParkOrders1796100000000 } from './1796100000000-ParkOrders.js';
import { OrderPlanHash1796200000000 } from './1796200000000-OrderPlanHash.js';

/** Every migration, oldest first. TypeORM 1.x: list the classes, no globs. */
export const MIGRATIONS = [
  Initial1795944961747,
  Orders1795945268008,
  Credentials1795945352036,
  Webhooks1795945403725,
  OrdersSubtreePageIndex1795949980411,
  CredentialInheritance1796000000000,
  ParkOrders1796100000000,
  OrderPlanHash1796200000000,
];
