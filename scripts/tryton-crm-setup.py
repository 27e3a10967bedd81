"""One-time preparation of the golden Tryton database that plays the CRM (`crm`), beside the ERP's.

Run by deploy/real-systems.sh after `trytond-admin` has activated `sale_opportunity` and
`party_relationship`:

    python3 scripts/tryton-crm-setup.py <trytond.conf> <database>

Creates, through Tryton's own scripting client (proteus, in-process):
- the company (currency EUR) the admin user belongs to (leads and opportunities need one);
- the countries of the accounts' addresses (Tryton ships none, and Debian has no pycountry for
  `trytond_import_countries`): an address the ERP sends keeps its country;
- the sales team: employees with a login each (`sales.anna`, `sales.marco`, both Sales users) and
  the default owner `crm-default-owner` (ownership.yaml's defaultAccountOwner), who gets the
  accounts nobody was assigned;
- the relation type `Account owner` / `Owns account` (party_relationship): an account party is
  related to the party of the employee who owns it;
- the relation type `Contact of` / `Has contact`: a contact (a person) is a party of its own, `Contact of`
  its account's party; the pollers' `crm-parties` job reads it as a contact of that account;
- the party category `Payment status`, under which crm-sync files an account's payment status
  (`Payment status / paid`).
"""
import os
import sys
from decimal import Decimal

from proteus import Model, config as pconfig

CONF, DATABASE = sys.argv[1], sys.argv[2]
# The modules' test helpers import trytond's test harness, which reads DB_NAME at import time.
os.environ.setdefault('DB_NAME', DATABASE)
pconfig.set_trytond(database=DATABASE, config_file=CONF)

from trytond.modules.company.tests.tools import create_company, get_company  # noqa: E402

# login, name: the sales users who own accounts, and the default owner.
SALES_TEAM = [
    ('sales.anna', 'Anna Bianchi'),
    ('sales.marco', 'Marco Rossi'),
    ('crm-default-owner', 'CRM Default Owner'),
]

COUNTRIES = [
    ('AT', 'Austria'), ('BE', 'Belgium'), ('CH', 'Switzerland'), ('DE', 'Germany'),
    ('DK', 'Denmark'), ('ES', 'Spain'), ('FR', 'France'), ('GB', 'United Kingdom'),
    ('IE', 'Ireland'), ('IT', 'Italy'), ('NL', 'Netherlands'), ('NO', 'Norway'),
    ('PL', 'Poland'), ('PT', 'Portugal'), ('SE', 'Sweden'), ('US', 'United States'),
]

Currency = Model.get('currency.currency')
eur = Currency(name='Euro', symbol='EUR', code='EUR', digits=2, rounding=Decimal('0.01'))
eur.save()

Country = Model.get('country.country')
for code, name in COUNTRIES:
    Country(code=code, name=name).save()

Party = Model.get('party.party')
company_party = Party(name='Switchboard Demo GmbH (CRM)')
company_party.save()
create_company(company_party, eur)
company = get_company()

Group = Model.get('res.group')
Company = Model.get('company.company')
Employee = Model.get('company.employee')
User = Model.get('res.user')
for login, name in SALES_TEAM:
    party = Party(name=name, code=login)
    party.save()
    employee = Employee(party=party, company=company)
    employee.save()
    user = User(name=name, login=login)
    # proteus ties a record to one list: each user gets its own instances.
    user.groups.extend(Group.find([('name', 'in', ['Sales', 'Party Administration'])]))
    user.companies.append(Company(company.id))
    user.company = Company(company.id)
    user.employees.append(Employee(employee.id))
    user.employee = Employee(employee.id)
    user.save()

RelationType = Model.get('party.relation.type')
owner = RelationType(name='Account owner')
owner.save()
owns = RelationType(name='Owns account', reverse=owner)
owns.save()
owner.reverse = owns
owner.save()

contact_of = RelationType(name='Contact of')
contact_of.save()
has_contact = RelationType(name='Has contact', reverse=contact_of)
has_contact.save()
contact_of.reverse = has_contact
contact_of.save()

Category = Model.get('party.category')
Category(name='Payment status').save()

print(f'tryton-crm-setup: {DATABASE} ready (company {company.rec_name}, '
      f'{len(COUNTRIES)} countries, {len(SALES_TEAM)} sales employees with logins, account-owner and contact relations, payment status category)')
