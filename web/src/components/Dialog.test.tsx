import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { Dialog } from './Dialog';

describe('dialog', () => {
  it('is announced by its title and moves the focus into itself', () => {
    render(
      <Dialog title="New incident" onClose={() => {}}>
        <input aria-label="Title" />
      </Dialog>,
    );
    expect(screen.getByRole('dialog', { name: 'New incident' })).toHaveAttribute('aria-modal', 'true');
    expect(screen.getByLabelText('Title')).toHaveFocus();
  });

  it('keeps the focus where I am typing when the page behind it refreshes', async () => {
    const view = (
      <Dialog title="New incident" onClose={() => {}}>
        <input aria-label="Title" />
        <input aria-label="Location" />
      </Dialog>
    );
    const { rerender } = render(view);
    await userEvent.click(screen.getByLabelText('Location'));
    rerender(
      <Dialog title="New incident" onClose={() => {}}>
        <input aria-label="Title" />
        <input aria-label="Location" />
      </Dialog>,
    );
    expect(screen.getByLabelText('Location')).toHaveFocus();
  });

  it('closes with Escape, the close button, or a click on the backdrop', async () => {
    const onClose = vi.fn();
    render(
      <Dialog title="Photo" onClose={onClose} closeLabel="Close">
        <p>body</p>
      </Dialog>,
    );
    const user = userEvent.setup();
    await user.keyboard('{Escape}');
    await user.click(screen.getByRole('button', { name: 'Close' }));
    await user.click(document.querySelector('.backdrop')!);
    expect(onClose).toHaveBeenCalledTimes(3);
  });
});
