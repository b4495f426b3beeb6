import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeFetch, maintenance, operator, renderApp, room } from '../../test/utils';
import { MembersPanel } from './MembersPanel';

const members = [
  { user_id: operator.user_id, display_name: '林小明', role: 'owner' },
  { user_id: maintenance.user_id, display_name: '陳大華', role: 'editor' },
];

describe('members', () => {
  it('lets the owner find people in the directory and add them with a role', async () => {
    const calls = fakeFetch([
      ['GET', /\/members$/, () => ({ body: members })],
      ['GET', /\/api\/users\?/, () => ({ body: { items: [{ user_id: 'quality@andon.local', display_name: '王美玲', job_title: '品保工程師' }, maintenance] } })],
      ['POST', /\/members$/, () => ({ status: 201, body: {} })],
    ]);
    renderApp(<MembersPanel room={room()} canManage currentUserId={operator.user_id} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Search people (name, e-mail, department)'), '王');
    await user.selectOptions(screen.getByLabelText('Role'), 'viewer');
    await user.click(await screen.findByRole('button', { name: 'Add member 王美玲' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ user_id: 'quality@andon.local', role: 'viewer' }));
    expect(screen.getByText('Already a member')).toBeInTheDocument();
  });

  it('lets the owner change a role and remove a member', async () => {
    const calls = fakeFetch([
      ['GET', /\/members$/, () => ({ body: members })],
      ['PATCH', /\/members\//, () => ({ body: {} })],
      ['DELETE', /\/members\//, () => ({ status: 204 })],
    ]);
    renderApp(<MembersPanel room={room()} canManage currentUserId={operator.user_id} />);
    const user = userEvent.setup();
    await user.selectOptions(await screen.findByLabelText('Change the role of 陳大華'), 'viewer');
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ role: 'viewer' }));
    await user.click(screen.getByRole('button', { name: 'Remove 陳大華' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.url.endsWith('/members/maintenance%40andon.local'))).toBe(true));
  });

  it('shows a non-owner the members and roles without controls, and lets them leave', async () => {
    fakeFetch([['GET', /\/members$/, () => ({ body: members })]]);
    renderApp(<MembersPanel room={room({ current_user_role: 'editor' })} canManage={false} currentUserId={maintenance.user_id} />);
    expect(await screen.findByText('陳大華')).toBeInTheDocument();
    expect(screen.getByText('Owner')).toBeInTheDocument();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(screen.queryByLabelText('Search people (name, e-mail, department)')).toBeNull();
    expect(screen.getByRole('button', { name: 'Leave room' })).toBeInTheDocument();
  });
});
