import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import i18n from '../../app/i18n';
import { fakeFetch, renderApp, room } from '../../test/utils';
import { permissions } from './api';
import { CreateRoomDialog } from './CreateRoomDialog';
import { RoomListPage } from './RoomListPage';
import { SettingsPanel } from './SettingsPanel';

function listRoutes(total = 2, items = [room(), room({ room_id: 'r2', title: '二號線缺料', incident_type: 'material_shortage', severity: 'medium', status: 'resolved', current_user_role: null, is_member: false, member_count: 5 })]) {
  return fakeFetch([
    ['GET', /\/api\/rooms\?/, () => ({ body: { items, total, limit: 12, offset: 0 } })],
    ['GET', /\/api\/templates/, () => ({ body: [{ name: 'equipment_failure', description: '設備故障', incident_type: 'quality_issue', default_severity: 'critical' }] })],
    ['POST', /\/api\/rooms$/, (c) => ({ status: 201, body: room({ room_id: 'new', title: (c.body as { title: string }).title }) })],
  ]);
}

const lastListUrl = (calls: { url: string }[]) => calls.filter((c) => c.url.startsWith('/api/rooms?')).at(-1)!.url;

describe('room list', () => {
  it('shows each room as a card with status, severity, type, place, members and my role', async () => {
    listRoutes();
    renderApp(<RoomListPage />);
    const list = await screen.findByRole('list', { name: 'Incidents' });
    const cards = within(list).getAllByRole('listitem');
    const first = within(cards[0]);
    expect(first.getByRole('link', { name: 'Line 3 conveyor stopped' })).toHaveAttribute('href', '/rooms/r1');
    expect(first.getByText('Active')).toBeInTheDocument();
    expect(first.getByText('High')).toBeInTheDocument();
    expect(first.getByText('Equipment failure')).toBeInTheDocument();
    expect(first.getByText('Building A · Line 3 · CV-301')).toBeInTheDocument();
    expect(first.getByText('3 members')).toBeInTheDocument();
    expect(first.getByText('My role: Owner')).toBeInTheDocument();
    expect(within(cards[1]).getByText('Not a member')).toBeInTheDocument();
  });

  it('combines the status, type and severity filters and "my rooms" in one query', async () => {
    const calls = listRoutes();
    renderApp(<RoomListPage />);
    const user = userEvent.setup();
    await screen.findByRole('list', { name: 'Incidents' });
    await user.selectOptions(screen.getByLabelText('Status'), 'resolved');
    await user.selectOptions(screen.getByLabelText('Type'), 'material_shortage');
    await user.selectOptions(screen.getByLabelText('Severity'), 'medium');
    await user.click(screen.getByLabelText('My rooms only'));
    await waitFor(() => expect(lastListUrl(calls)).toContain('my_rooms=true'));
    const url = lastListUrl(calls);
    expect(url).toContain('status=resolved');
    expect(url).toContain('incident_type=material_shortage');
    expect(url).toContain('severity=medium');
  });

  it('searches as I type (Chinese included)', async () => {
    const calls = listRoutes();
    renderApp(<RoomListPage />);
    await userEvent.type(screen.getByLabelText('Search incidents'), '輸送帶');
    await waitFor(() => expect(decodeURIComponent(lastListUrl(calls))).toContain('search=輸送帶'));
  });

  it('pages through many rooms', async () => {
    const calls = listRoutes(30);
    renderApp(<RoomListPage />);
    expect(await screen.findByText('Page 1 of 3')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(lastListUrl(calls)).toContain('offset=12'));
    expect(screen.getByRole('button', { name: 'Previous' })).toBeEnabled();
  });

  it('says when no room matches', async () => {
    listRoutes(0, []);
    renderApp(<RoomListPage />);
    expect(await screen.findByText('No incidents match')).toBeInTheDocument();
  });

  it('shows the list in Traditional Chinese by default', async () => {
    listRoutes();
    await i18n.changeLanguage('zh-TW');
    renderApp(<RoomListPage />);
    expect(await screen.findByRole('heading', { name: '異常事件' })).toBeInTheDocument();
    expect(screen.getAllByText('處理中').length).toBeGreaterThan(0);
  });
});

describe('create room', () => {
  it('fills type and severity from the chosen template and creates the room with its lots', async () => {
    const calls = listRoutes();
    renderApp(<CreateRoomDialog onClose={() => {}} />, { path: '/' });
    const user = userEvent.setup();
    await screen.findByRole('option', { name: 'equipment_failure — 設備故障' });
    await user.selectOptions(screen.getByLabelText('Template'), 'equipment_failure');
    expect(screen.getByLabelText('Type')).toHaveValue('quality_issue');
    expect(screen.getByLabelText('Severity')).toHaveValue('critical');
    await user.type(screen.getByLabelText('Title'), '烤箱溫度異常');
    await user.type(screen.getByLabelText('Lots (comma separated)'), 'L1, L2');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toMatchObject({
      title: '烤箱溫度異常',
      incident_type: 'quality_issue',
      severity: 'critical',
      lots: ['L1', 'L2'],
      template: 'equipment_failure',
    });
    expect(await screen.findByText('elsewhere')).toBeInTheDocument();
  });

  it('asks for a title before creating', async () => {
    const calls = listRoutes();
    renderApp(<CreateRoomDialog onClose={() => {}} />);
    await userEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter a title');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('closes with Escape', async () => {
    listRoutes();
    let closed = false;
    renderApp(<CreateRoomDialog onClose={() => (closed = true)} />);
    await userEvent.keyboard('{Escape}');
    expect(closed).toBe(true);
  });
});

describe('room settings and permissions', () => {
  it('gives a viewer nothing to change, an editor the fields, the owner status and members', () => {
    expect(permissions(room({ current_user_role: 'viewer' }))).toMatchObject({ canSend: false, canEditFields: false, canResolve: false, canManageMembers: false });
    expect(permissions(room({ current_user_role: 'editor' }))).toMatchObject({ canSend: true, canEditFields: true, canResolve: false, canManageMembers: false });
    expect(permissions(room({ current_user_role: 'owner' }))).toMatchObject({ canSend: true, canResolve: true, canManageMembers: true, canArchive: false });
    expect(permissions(room({ current_user_role: 'owner', status: 'resolved' }))).toMatchObject({ canSend: false, canResolve: false, canArchive: true });
  });

  it('resolves only with resolution notes', async () => {
    const calls = fakeFetch([['POST', /\/status$/, () => ({ body: room({ status: 'resolved', resolution_notes: 'replaced belt' }) })]]);
    renderApp(<SettingsPanel room={room()} canEdit canResolve canArchive={false} />);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Mark resolved' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Enter the resolution notes');
    await user.type(screen.getByLabelText('Resolution notes'), 'replaced belt');
    await user.click(screen.getByRole('button', { name: 'Mark resolved' }));
    await waitFor(() => expect(calls.find((c) => c.url.endsWith('/status'))?.body).toEqual({ status: 'resolved', resolution_notes: 'replaced belt' }));
    expect(await screen.findByText('Saved')).toBeInTheDocument();
  });

  it('saves edited fields and lots', async () => {
    const calls = fakeFetch([['PATCH', /\/api\/rooms\/r1$/, () => ({ body: room() })]]);
    renderApp(<SettingsPanel room={room()} canEdit canResolve={false} canArchive={false} />);
    const user = userEvent.setup();
    await user.clear(screen.getByLabelText('Location'));
    await user.type(screen.getByLabelText('Location'), 'Building B');
    await user.type(screen.getByLabelText('Lots (comma separated)'), 'L9');
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(calls[0]?.body).toMatchObject({ location: 'Building B', lots: ['L9'] }));
  });

  it('lets the owner archive a resolved room', async () => {
    const calls = fakeFetch([['POST', /\/status$/, () => ({ body: room({ status: 'archived' }) })]]);
    renderApp(<SettingsPanel room={room({ status: 'resolved' })} canEdit={false} canResolve={false} canArchive />);
    expect(screen.getByLabelText('Title')).toBeDisabled();
    await userEvent.click(screen.getByRole('button', { name: 'Archive' }));
    await waitFor(() => expect(calls[0]?.body).toEqual({ status: 'archived' }));
  });
});
