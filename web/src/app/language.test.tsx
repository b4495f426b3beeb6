import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { LoginPage } from '../features/auth/LoginPage';
import { renderApp } from '../test/utils';
import i18n, { LANGUAGE_KEY } from './i18n';

describe('language', () => {
  it('starts in Traditional Chinese and switches to English, remembering the choice', async () => {
    await i18n.changeLanguage('zh-TW');
    renderApp(<LoginPage />, { user: null });
    expect(screen.getByRole('heading', { name: '登入 Andon' })).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByRole('combobox', { name: '語言' }), 'en');
    expect(await screen.findByRole('heading', { name: 'Sign in to Andon' })).toBeInTheDocument();
    expect(localStorage.getItem(LANGUAGE_KEY)).toBe('en');
    expect(document.documentElement.lang).toBe('en');
  });
});
