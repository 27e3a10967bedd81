import { assignTask } from './task-assignee';

describe('assignTask', () => {
  it('gives the task to the requested assignee the CRM knows', () => {
    expect(assignTask('sales.anna', 'crm-default-owner', ['sales.anna', 'crm-default-owner'])).toEqual({
      assign: true,
      assignee: 'sales.anna',
      fallback: false,
    });
  });

  it('falls back to the default owner when the CRM does not know the login', () => {
    expect(assignTask('sales.gone', 'crm-default-owner', ['crm-default-owner'])).toEqual({
      assign: true,
      assignee: 'crm-default-owner',
      fallback: true,
    });
  });

  it('a request already for the default owner is no fallback', () => {
    expect(assignTask('crm-default-owner', 'crm-default-owner', ['crm-default-owner'])).toEqual({
      assign: true,
      assignee: 'crm-default-owner',
      fallback: false,
    });
  });

  it('assigns nobody when the CRM knows neither', () => {
    expect(assignTask('sales.gone', 'crm-default-owner', [])).toEqual({ assign: false });
  });
});
