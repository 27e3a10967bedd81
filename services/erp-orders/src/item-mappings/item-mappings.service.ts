import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';

import { EventRejected } from '@switchboard/inbox';

import { ItemMapping } from './item-mapping.entity';

@Injectable()
export class ItemMappingsService {
  /** Maps every CRM product of a deal, or rejects the whole deal naming the unmapped products. */
  async itemCodesFor(
    manager: EntityManager,
    lines: Array<{ crmProductId: string }>,
  ): Promise<Map<string, string>> {
    const productIds = [...new Set(lines.map((line) => line.crmProductId))];
    const mappings = await manager.findBy(ItemMapping, { crmProductId: In(productIds) });
    const codes = new Map(mappings.map((mapping) => [mapping.crmProductId, mapping.itemCode]));
    const unmapped = productIds.filter((id) => !codes.has(id));
    if (unmapped.length > 0) {
      throw new EventRejected(
        'unmapped_product',
        `CRM product(s) without an ERP item mapping: ${unmapped.join(', ')}`,
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
