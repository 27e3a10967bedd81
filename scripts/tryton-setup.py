"""One-time preparation of the golden Tryton database that the real-systems stack copies per run.

Run by deploy/real-systems.sh after `trytond-admin` has activated `sale` and `account_invoice`:

    python3 scripts/tryton-setup.py <trytond.conf> <database>

Creates, through Tryton's own scripting client (proteus, in-process):
- the currencies Switchboard's contracts know (EUR 2, USD 2, GBP 2, CHF 2, JPY 0, KWD 3 decimals)
  with rates, and the company (currency EUR) that the admin user belongs to;
- the minimal chart of accounts, fiscal years 2025-2028 with move and invoice sequences;
- VAT taxes for the usual rates (the connector picks the one equal to the deal's rate);
- a unit of measure with 3 decimals, an accounting product category, and the service products
  ITM-1001..ITM-1020 that erp-orders' item-mapping table points the CRM products SKU-001..020 to.
"""
import datetime
import os
import sys
from decimal import Decimal

from proteus import Model, config as pconfig

CONF, DATABASE = sys.argv[1], sys.argv[2]
# The modules' test helpers import trytond's test harness, which reads DB_NAME at import time.
os.environ.setdefault('DB_NAME', DATABASE)
pconfig.set_trytond(database=DATABASE, config_file=CONF)

from trytond.modules.account.tests.tools import (  # noqa: E402
    create_chart,
    create_fiscalyear,
    get_accounts,
)
from trytond.modules.account_invoice.tests.tools import (  # noqa: E402
    set_fiscalyear_invoice_sequences,
)
from trytond.modules.company.tests.tools import create_company, get_company  # noqa: E402

CURRENCIES = [
    # code, name, digits, rate against the company currency (EUR = 1)
    ('EUR', 'Euro', 2, Decimal('1')),
    ('USD', 'US Dollar', 2, Decimal('1.08')),
    ('GBP', 'Pound Sterling', 2, Decimal('0.86')),
    ('CHF', 'Swiss Franc', 2, Decimal('0.95')),
    ('JPY', 'Yen', 0, Decimal('162')),
    ('KWD', 'Kuwaiti Dinar', 3, Decimal('0.333')),
]
TAX_RATES = ['5', '7', '7.7', '8', '10', '16', '19', '20', '21', '25']

Currency = Model.get('currency.currency')
Rate = Model.get('currency.currency.rate')
for code, name, digits, rate in CURRENCIES:
    currency = Currency(name=name, symbol=code, code=code, digits=digits,
                        rounding=Decimal(1).scaleb(-digits))
    currency.save()
    Rate(date=datetime.date(2000, 1, 1), rate=rate, currency=currency).save()

Party = Model.get('party.party')
company_party = Party(name='Switchboard Demo GmbH')
company_party.save()
create_company(company_party, Currency.find([('code', '=', 'EUR')])[0])
company = get_company()

create_chart(company)
accounts = get_accounts(company)

for year in range(2025, 2029):
    fiscalyear = set_fiscalyear_invoice_sequences(
        create_fiscalyear(company, today=datetime.date(year, 6, 1)))
    fiscalyear.click('create_period')

Tax = Model.get('account.tax')
for rate in TAX_RATES:
    Tax(name=f'VAT {rate}%', description=f'VAT {rate}%', type='percentage',
        rate=Decimal(rate) / 100, invoice_account=accounts['tax'],
        credit_note_account=accounts['tax']).save()

UomCategory = Model.get('product.uom.category')
Uom = Model.get('product.uom')
unit_category, = UomCategory.find([('name', '=', 'Units')])
unit = Uom(name='Unit (0.001)', symbol='u', category=unit_category, rate=1, factor=1,
           rounding=Decimal('0.001'), digits=3)
unit.save()

Category = Model.get('product.category')
category = Category(name='Switchboard catalogue', accounting=True,
                    account_revenue=accounts['revenue'], account_expense=accounts['expense'])
category.save()

Template = Model.get('product.template')
for n in range(1, 21):
    template = Template(name=f'Catalogue item {n}', type='service', default_uom=unit,
                        salable=True, sale_uom=unit, list_price=Decimal('100'),
                        account_category=category)
    product, = template.products
    product.suffix_code = f'ITM-{1000 + n}'
    template.save()

print(f'tryton-setup: {DATABASE} ready (company {company.rec_name}, 20 products, '
      f'{len(TAX_RATES)} taxes, {len(CURRENCIES)} currencies)')
