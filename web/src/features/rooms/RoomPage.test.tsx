import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Room } from '../../lib/types';
import { FakeSocket, fakeFetch, fakeSocketFactory, maintenance, operator, renderApp, room } from '../../test/utils';
import { RoomPage } from './RoomPage';

function serve(current: () => Room) {
  return fakeFetch([
    ['GET', /\/api\/rooms\/r1$/, () => ({ body: current() })],
    ['GET', /\/api\/rooms\/r1\/members$/, () => ({ body: [{ user_id: operator.user_id, display_name: '林小明', role: 'owner' }, { user_id: maintenance.user_id, display_name: '陳大華', role: 'editor' }] })],
    ['GET', /\/api\/rooms\/r1\/messages/, () => ({ body: { messages: [], has_more: false } })],
  ]);
}

const page = () => renderApp(<RoomPage chatOptions={{ createSocket: fakeSocketFactory, baseUrl: 'ws://plant' }} />, { route: '/rooms/r1', path: '/rooms/:roomId' });

describe('room page', () => {
  beforeEach(() => FakeSocket.reset());

  it('shows the breadcrumb, the header and the actions the owner may take', async () => {
    serve(() => room());
    page();
    const crumbs = await screen.findByRole('navigation', { name: 'breadcrumb' });
    expect(within(crumbs).getByRole('link', { name: 'Rooms' })).toHaveAttribute('href', '/');
    expect(within(crumbs).getByText('Line 3 conveyor stopped')).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('heading', { level: 1, name: 'Line 3 conveyor stopped' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Mark resolved' })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Chat' })).toHaveAttribute('aria-selected', 'true');
  });

  it('offers a viewer no status actions', async () => {
    serve(() => room({ current_user_role: 'viewer' }));
    page();
    await screen.findByRole('heading', { level: 1 });
    expect(screen.queryByRole('button', { name: 'Mark resolved' })).toBeNull();
  });

  it('updates the header and closes the composer when the room is resolved elsewhere', async () => {
    let current = room();
    serve(() => current);
    page();
    await screen.findByRole('heading', { level: 1 });
    act(() => FakeSocket.last.open({ last_seq: 0 }));
    expect(await screen.findByRole('combobox', { name: 'Message' })).toBeInTheDocument();
    current = room({ status: 'resolved', resolution_notes: 'belt replaced' });
    act(() => FakeSocket.last.push({ type: 'system', event: 'room_status_changed', user_id: operator.user_id, data: { new_status: 'resolved' }, timestamp: 'now', seq: 1 }));
    expect(await screen.findByText('This room is closed: messages can no longer be sent')).toBeInTheDocument();
    expect(screen.getAllByText('Resolved').length).toBeGreaterThan(0);
    expect(screen.getByText('Status changed to “Resolved”')).toBeInTheDocument();
    expect(screen.queryByRole('combobox', { name: 'Message' })).toBeNull();
  });

  it('switches to the members tab', async () => {
    serve(() => room());
    page();
    await userEvent.click(await screen.findByRole('tab', { name: 'Members' }));
    expect(await screen.findByText('陳大華')).toBeInTheDocument();
  });

  it('opens the chat after a join once messaging lets the new member in, not before', async () => {
    let joined = false;
    const socketsWhenAsked: number[] = [];
    fakeFetch([
      ['GET', /\/api\/rooms\/r1$/, () => ({ body: joined ? room({ current_user_role: 'viewer' }) : room({ current_user_role: null, is_member: false }) })],
      ['POST', /\/api\/rooms\/r1\/join$/, () => ((joined = true), { status: 201, body: {} })],
      // Messaging has not heard of the new member for the first two asks.
      ['GET', /\/api\/rooms\/r1\/presence$/, () => (socketsWhenAsked.push(FakeSocket.all.length) <= 2 ? { status: 403, body: { code: 'forbidden' } } : { body: { online: [] } })],
      ['GET', /\/api\/rooms\/r1\/members$/, () => ({ body: [] })],
      ['GET', /\/api\/rooms\/r1\/messages/, () => ({ body: { messages: [], has_more: false } })],
    ]);
    page();
    await userEvent.click(await screen.findByRole('button', { name: 'Join (viewer)' }));
    expect(await screen.findByRole('log')).toBeInTheDocument();
    expect(socketsWhenAsked).toEqual([0, 0, 0]);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('says so when the room does not exist', async () => {
    fakeFetch([]);
    page();
    expect(await screen.findByText('This room does not exist or you may not see it')).toBeInTheDocument();
  });
});
