import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { fakeFetch, message, renderApp } from '../../test/utils';
import { MessageSearch } from './MessageSearch';

describe('message search', () => {
  it('highlights hits with <mark> and nothing else from the server runs', async () => {
    fakeFetch([
      [
        'GET',
        /\/api\/messages\/search/,
        () => ({
          body: {
            items: [{ message: message(), room_id: 'r1', room_title: '三號線', highlight: '設備<mark>溫度</mark>上升 <img src=x onerror=alert(1)>' }],
            total: 1,
          },
        }),
      ],
    ]);
    const { container } = renderApp(<MessageSearch />);
    const user = userEvent.setup();
    await user.type(screen.getByRole('searchbox', { name: 'Search messages' }), '溫度{Enter}');
    expect(await screen.findByText('溫度')).toContainHTML('溫度');
    expect(container.querySelector('mark')).toHaveTextContent('溫度');
    expect(container.querySelector('.hit img')).toBeNull();
    expect(screen.getByText(/<img src=x/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '三號線' })).toHaveAttribute('href', '/rooms/r1');
  });

  it('says "more than 1,000" when the server stopped counting', async () => {
    fakeFetch([
      [
        'GET',
        /\/api\/messages\/search/,
        () => ({ body: { items: [{ message: message(), room_id: 'r1', room_title: '三號線', highlight: '<mark>conveyor</mark> stopped' }], total: 1000, total_capped: true } }),
      ],
    ]);
    renderApp(<MessageSearch />);
    const user = userEvent.setup();
    await user.type(screen.getByRole('searchbox', { name: 'Search messages' }), 'conveyor{Enter}');
    expect(await screen.findByRole('status')).toHaveTextContent('More than 1,000 messages found');
  });
});
