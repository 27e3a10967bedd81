import type { ServiceDefinition } from '@switchboard/platform';

import { ErpCustomer } from './customers/erp-customer.entity';
import { ItemMapping } from './item-mappings/item-mapping.entity';
import { BoundedAmounts1763861000002 } from './migrations/1763861000002-BoundedAmounts';
import { SalesOrdersTables1763861000000 } from './migrations/1763861000000-SalesOrdersTables';
import { ErpCustomerSync1763861000001 } from './migrations/1763861000001-ErpCustomerSync';
import { FieldVersions1763861000003 } from './migrations/1763861000003-FieldVersions';
import { SalesOrderLine } from './sales-orders/sales-order-line.entity';
import { SalesOrder } from './sales-orders/sales-order.entity';

export const erpOrdersService: ServiceDefinition = {
  name: 'erp-orders',
  schema: 'erp_orders',
  defaultPort: 3001,
  consumes: ['deal_won', 'customer_synced'],
  produces: ['sales_order_created'],
  downstream: 'erp',
  entities: [ErpCustomer, ItemMapping, SalesOrder, SalesOrderLine],
  migrations: [
    SalesOrdersTables1763861000000,
    ErpCustomerSync1763861000001,
    BoundedAmounts1763861000002,
    FieldVersions1763861000003,
  ],
};
