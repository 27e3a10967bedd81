import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';

import { EventRejected } from '@switchboard/inbox';

import { ItemMapping } from './item-mapping.entity';

@Injectable()
export class ItemMappingsService {
  /**
   * Maps every CRM product of the deals in one lookup, or rejects the first deal that has an
   * unmapped product, naming its unmapped lines.
   */
  async itemCodesFor(
    manager: EntityManager,
    deals: Array<{ dealId: string; lines: Array<{ crmProductId: string }> }>,
  ): Promise<Map<string, string>> {
    const productIds = [...new Set(deals.flatMap((deal) => deal.lines.map((line) => line.crmProductId)))];
    const mappings = await manager.findBy(ItemMapping, { crmProductId: In(productIds) });
    const codes = new Map(mappings.map((mapping) => [mapping.crmProductId, mapping.itemCode]));
    for (const { dealId, lines } of deals) {
      const unmapped = [...new Set(lines.map((line) => line.crmProductId))].filter((id) => !codes.has(id));
      if (unmapped.length === 0) continue;
      throw new EventRejected(
        'unmapped_product',
        `CRM product(s) without an ERP item mapping: ${unmapped.join(', ')} (deal ${dealId})`,
        lines.flatMap((line, index) =>
          codes.has(line.crmProductId)
            ? []
            : [
                {
                  field: `data.lines[${index}].crmProductId`,
                  message: `${line.crmProductId} has no ERP item mapping`,
                },
              ],
        ),
      );
    }
    return codes;
  }
}
