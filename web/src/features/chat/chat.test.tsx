import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { User } from '../../lib/types';
import { FakeSocket, fakeFetch, fakeSocketFactory, maintenance, message, operator, renderApp, room } from '../../test/utils';
import { ChatPanel } from './ChatPanel';
import { ConnectionBanner, MessageView, TypingIndicator } from './components';
import { Composer } from './Composer';

const actions = { currentUserId: operator.user_id, canWrite: true, onEdit: vi.fn(), onDelete: vi.fn(), onReact: vi.fn() };

function view(m = message()) {
  return render(
    <ol>
      <MessageView message={m} actions={actions} />
    </ol>,
  );
}

describe('a message in the timeline', () => {
  it('shows HTML typed by a user as text, never as markup', () => {
    const { container } = view(message({ content: '<img src=x onerror=alert(1)>' }));
    expect(screen.getByText('<img src=x onerror=alert(1)>')).toBeInTheDocument();
    expect(container.querySelector('img')).toBeNull();
  });

  it('shows "Message deleted" in place of a deleted message', () => {
    view(message({ content: null, deleted_at: '2026-01-01T00:00:00Z' }));
    expect(screen.getByText('Message deleted')).toBeInTheDocument();
  });

  it('marks an edited message', () => {
    view(message({ edited_at: '2026-01-01T00:00:00Z' }));
    expect(screen.getByText('(edited)')).toBeInTheDocument();
  });

  it('emphasises @mentions', () => {
    view(message({ content: 'please check @陳大華 now' }));
    expect(screen.getByText('@陳大華')).toHaveClass('mention');
  });

  it('counts reactions and takes mine back when I press it again', async () => {
    actions.onReact.mockClear();
    const m = message({ reactions: { '👍': { count: 2, user_ids: [operator.user_id, 'x'] } } });
    view(m);
    const button = screen.getByRole('button', { name: '👍 2' });
    expect(button).toHaveAttribute('aria-pressed', 'true');
    await userEvent.click(button);
    expect(actions.onReact).toHaveBeenCalledWith(m.message_id, '👍', false);
  });

  it('shows incident_data as a card of readings', () => {
    view(message({ message_type: 'incident_data', content: { temperature: 85, pressure: 120 } }));
    const card = screen.getByRole('figure', { name: 'Readings' });
    expect(within(card).getByText('temperature')).toBeInTheDocument();
    expect(within(card).getByText('85')).toBeInTheDocument();
    expect(within(card).getByText('120')).toBeInTheDocument();
  });

  it('lets me edit my own recent text message', async () => {
    actions.onEdit.mockClear();
    const m = message({ sender_id: operator.user_id, content: 'temp 85' });
    view(m);
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    const box = screen.getByRole('textbox', { name: 'Edit' });
    await user.clear(box);
    await user.type(box, 'temp 75');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(actions.onEdit).toHaveBeenCalledWith(m.message_id, 'temp 75');
  });

  it("offers no edit or delete on someone else's message", () => {
    view(message({ sender_id: maintenance.user_id }));
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
  });
});

describe('composer', () => {
  const users: User[] = [maintenance, { user_id: 'quality@andon.local', display_name: '王美玲' }];
  function composer() {
    const props = { onSend: vi.fn(), onTyping: vi.fn(), searchUsers: vi.fn(async () => users), onFiles: vi.fn() };
    render(<Composer {...props} />);
    return props;
  }

  it('sends with Enter and breaks the line with Shift+Enter', async () => {
    const props = composer();
    const user = userEvent.setup();
    const box = screen.getByRole('combobox', { name: 'Message' });
    await user.type(box, 'line one{Shift>}{Enter}{/Shift}line two');
    expect(props.onSend).not.toHaveBeenCalled();
    await user.keyboard('{Enter}');
    expect(props.onSend).toHaveBeenCalledWith('line one\nline two', []);
    expect(box).toHaveValue('');
  });

  it('completes @mentions from the directory and sends the mentioned ids', async () => {
    const props = composer();
    const user = userEvent.setup();
    const box = screen.getByRole('combobox', { name: 'Message' });
    await user.type(box, 'ask @陳');
    const option = await screen.findByRole('option', { name: /陳大華/ });
    expect(props.searchUsers).toHaveBeenCalledWith('陳');
    await user.click(option);
    expect(box).toHaveValue('ask @陳大華 ');
    await user.type(box, 'to check{Enter}');
    expect(props.onSend).toHaveBeenCalledWith('ask @陳大華 to check', [maintenance.user_id]);
  });

  it('picks a mention with the keyboard', async () => {
    composer();
    const user = userEvent.setup();
    const box = screen.getByRole('combobox', { name: 'Message' });
    await user.type(box, '@');
    await screen.findByRole('listbox');
    await user.keyboard('{ArrowDown}{Enter}');
    expect(box).toHaveValue('@王美玲 ');
  });

  it('tells others I am typing once, and that I stopped when I send', async () => {
    const props = composer();
    const user = userEvent.setup();
    await user.type(screen.getByRole('combobox', { name: 'Message' }), 'abc');
    expect(props.onTyping.mock.calls).toEqual([[true]]);
    await user.keyboard('{Enter}');
    expect(props.onTyping.mock.calls).toEqual([[true], [false]]);
  });

  it('attaches files pasted into the box', () => {
    const props = composer();
    const file = new File(['x'], 'photo.png', { type: 'image/png' });
    fireEvent.paste(screen.getByRole('combobox', { name: 'Message' }), { clipboardData: { files: [file] } });
    expect(props.onFiles).toHaveBeenCalledWith([file]);
  });
});

describe('connection and typing', () => {
  it('says it is reconnecting, how many messages wait, and offers to retry', async () => {
    const retry = vi.fn();
    render(<ConnectionBanner state="reconnecting" queued={2} onRetry={retry} />);
    expect(screen.getByRole('status')).toHaveTextContent('Connection lost. Reconnecting…');
    expect(screen.getByRole('status')).toHaveTextContent('2 message(s) waiting to be sent');
    await userEvent.click(screen.getByRole('button', { name: 'Reconnect now' }));
    expect(retry).toHaveBeenCalled();
  });

  it('shows nothing when connected with nothing waiting', () => {
    const { container } = render(<ConnectionBanner state="open" queued={0} onRetry={() => {}} />);
    expect(container).toBeEmptyDOMElement();
  });

  it('names who is typing, but not me', () => {
    render(<TypingIndicator typing={{ [maintenance.user_id]: 1, [operator.user_id]: 1 }} names={{ [maintenance.user_id]: '陳大華' }} currentUserId={operator.user_id} />);
    expect(screen.getByText('陳大華 is typing…')).toBeInTheDocument();
  });
});

describe('chat panel', () => {
  beforeEach(() => FakeSocket.reset());

  function panel(role: 'owner' | 'viewer' = 'owner', history = [message({ sequence_number: 1, content: 'first report' })]) {
    const calls = fakeFetch([['GET', /\/api\/rooms\/r1\/messages/, () => ({ body: { messages: history, has_more: false } })]]);
    const r = room({ current_user_role: role });
    renderApp(
      <ChatPanel
        room={r}
        user={operator}
        members={[{ user_id: maintenance.user_id, display_name: '陳大華', role: 'editor' }]}
        canSend={role !== 'viewer'}
        canUpload={role !== 'viewer'}
        chatOptions={{ createSocket: fakeSocketFactory, baseUrl: 'ws://plant' }}
      />,
    );
    return calls;
  }

  it('loads history after the hello and shows live messages from others', async () => {
    panel();
    act(() => FakeSocket.last.open({ last_seq: 1, online: [operator.user_id, maintenance.user_id] }));
    expect(await screen.findByText('first report')).toBeInTheDocument();
    expect(screen.getByText('2 online')).toBeInTheDocument();
    act(() => FakeSocket.last.push({ type: 'message', message: message({ sequence_number: 2, content: 'on my way' }) }));
    expect(screen.getByText('on my way')).toBeInTheDocument();
  });

  it('shows my message as sending until the server acknowledges it', async () => {
    panel();
    act(() => FakeSocket.last.open({ last_seq: 1 }));
    await screen.findByText('first report');
    const user = userEvent.setup();
    await user.type(screen.getByRole('combobox', { name: 'Message' }), 'belt replaced{Enter}');
    expect(screen.getByText('Sending')).toBeInTheDocument();
    const sent = FakeSocket.last.sent.find((f) => (f as { type: string }).type === 'message') as { client_id: string };
    act(() => {
      FakeSocket.last.push({ type: 'ack', client_id: sent.client_id, message_id: 'mine', sequence_number: 2, created_at: new Date().toISOString() });
      FakeSocket.last.push({ type: 'message', message: message({ message_id: 'mine', sequence_number: 2, sender_id: operator.user_id, content: 'belt replaced' }) });
    });
    expect(screen.queryByText('Sending')).toBeNull();
    expect(screen.getAllByText('belt replaced')).toHaveLength(1);
  });

  it('queues a message while the connection is down and delivers it after the reconnect', async () => {
    panel();
    act(() => FakeSocket.last.open({ last_seq: 1 }));
    await screen.findByText('first report');
    act(() => FakeSocket.last.drop(1001));
    expect(screen.getByText('Connection lost. Reconnecting…')).toBeInTheDocument();
    const user = userEvent.setup();
    await user.type(screen.getByRole('combobox', { name: 'Message' }), 'sent offline{Enter}');
    expect(screen.getByText('Waiting for the connection')).toBeInTheDocument();
    expect(screen.getByText('1 message(s) waiting to be sent')).toBeInTheDocument();
    await waitFor(() => expect(FakeSocket.all).toHaveLength(2), { timeout: 3000 });
    expect(FakeSocket.last.url).toBe('ws://plant/ws/r1?last_seq=1');
    act(() => FakeSocket.last.open({ last_seq: 1 }));
    expect(FakeSocket.last.sent).toEqual([expect.objectContaining({ type: 'message', content: 'sent offline' })]);
  });

  it('reads history again at the next hello when the reload after a resync failed', async () => {
    let historyUp = true;
    const calls = fakeFetch([
      [
        'GET',
        /\/api\/rooms\/r1\/messages/,
        () =>
          historyUp
            ? { body: { messages: [message({ sequence_number: 1, content: 'first report' }), message({ sequence_number: 7, content: 'missed while away' })], has_more: false } }
            : { status: 503, body: { status: 503, code: 'unavailable' } },
      ],
    ]);
    historyUp = false;
    renderApp(
      <ChatPanel
        room={room()}
        user={operator}
        members={[]}
        canSend
        canUpload
        chatOptions={{ createSocket: fakeSocketFactory, baseUrl: 'ws://plant', baseDelayMs: 5, maxDelayMs: 5 }}
      />,
    );
    act(() => FakeSocket.last.open({ last_seq: 1 }));
    act(() => FakeSocket.last.push({ type: 'resync_required' }));
    const historyReads = () => calls.filter((c) => c.url.includes('/messages')).length;
    await waitFor(() => expect(historyReads()).toBe(2));
    expect(screen.queryByText('missed while away')).toBeNull();
    historyUp = true;
    act(() => FakeSocket.last.drop(1001));
    await waitFor(() => expect(FakeSocket.all).toHaveLength(2), { timeout: 3000 });
    act(() => FakeSocket.last.open({ last_seq: 7 }));
    expect(await screen.findByText('missed while away')).toBeInTheDocument();
    expect(historyReads()).toBe(3);
  });

  it('gives a viewer the messages but no composer', async () => {
    panel('viewer');
    act(() => FakeSocket.last.open({ role: 'viewer', last_seq: 1 }));
    expect(await screen.findByText('first report')).toBeInTheDocument();
    expect(screen.queryByRole('combobox', { name: 'Message' })).toBeNull();
    expect(screen.getByText('You are a viewer: you can read messages only')).toBeInTheDocument();
  });

  it('shows system events, such as a member added, in the timeline', async () => {
    panel();
    act(() => FakeSocket.last.open({ last_seq: 1 }));
    await screen.findByText('first report');
    act(() => FakeSocket.last.push({ type: 'system', event: 'member_added', user_id: maintenance.user_id, data: { role: 'editor' }, timestamp: 'now', seq: 2 }));
    expect(screen.getByRole('note')).toHaveTextContent('陳大華 was added as Editor');
    act(() => FakeSocket.last.push({ type: 'system', event: 'role_changed', user_id: maintenance.user_id, data: { old_role: 'editor', new_role: 'viewer' }, timestamp: 'now', seq: 3 }));
    expect(screen.getAllByRole('note')[1]).toHaveTextContent("陳大華's role is now Viewer");
  });

  it('explains an error from the server in words', async () => {
    panel();
    act(() => FakeSocket.last.open({ last_seq: 1 }));
    await screen.findByText('first report');
    act(() => FakeSocket.last.push({ type: 'error', code: 'insufficient_permissions', message: 'Insufficient permissions' }));
    expect(screen.getByRole('alert')).toHaveTextContent('Insufficient permissions');
  });

  it('shows the drop hint while a file is dragged over the chat, and takes it away when the file is dropped or the drag leaves', async () => {
    panel();
    act(() => FakeSocket.last.open({ last_seq: 1 }));
    await screen.findByText('first report');
    const chat = screen.getByText('first report').closest('section.chat')!;
    const file = new File(['png'], 'defect.png', { type: 'image/png' });
    const dataTransfer = { files: [file], items: [{ kind: 'file', type: file.type, getAsFile: () => file }], types: ['Files'] };
    // A browser delivers each drag event in its own task.
    const drag = async (type: 'dragEnter' | 'dragOver' | 'dragLeave' | 'drop') => {
      await act(async () => {
        fireEvent[type](chat, { dataTransfer });
        await new Promise((r) => setTimeout(r, 0));
      });
    };

    await drag('dragEnter');
    await drag('dragOver');
    expect(screen.getByText('Release to upload')).toBeInTheDocument();
    await drag('dragLeave');
    expect(screen.queryByText('Release to upload')).toBeNull();

    await drag('dragEnter');
    await drag('dragOver');
    await drag('drop');
    expect(screen.queryByText('Release to upload')).toBeNull();
    expect(await within(screen.getByRole('region', { name: 'Preview before sending' })).findByText('defect.png')).toBeInTheDocument();
  });

  it('says so when my membership is revoked', async () => {
    panel();
    act(() => FakeSocket.last.open({ last_seq: 1 }));
    act(() => FakeSocket.last.drop(4403));
    expect(await screen.findByText('You are no longer a member of this room')).toBeInTheDocument();
  });
});
